"""Calls an ASGI app in-process, without a server."""
import asyncio


def call(app, method="GET", path="/", headers=None, scope_type="http", subprotocols=()):
    """Returns (status, headers as a dict, body) of one request; for a WebSocket, the messages
    sent. ``headers`` is a dict, or a list of pairs to repeat one."""
    pairs = headers.items() if isinstance(headers, dict) else (headers or [])
    scope = {
        "type": scope_type,
        "method": method,
        "path": path,
        "headers": [(k.lower().encode(), v.encode()) for k, v in pairs],
    }
    if scope_type == "websocket":
        scope["subprotocols"] = list(subprotocols)
    sent = []

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message):
        sent.append(message)

    asyncio.run(app(scope, receive, send))
    if scope_type == "websocket":
        return sent
    start = next(m for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return start["status"], {k.decode(): v.decode() for k, v in start["headers"]}, body


async def hello(scope, receive, send):
    """An app that answers every request with 200 "hello"."""
    if scope["type"] == "websocket":
        await send({"type": "websocket.accept"})
        await send({"type": "websocket.send", "text": ",".join(scope["subprotocols"])})
        return
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
    await send({"type": "http.response.body", "body": b"hello"})

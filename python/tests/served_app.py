"""A sidecar built on tauri_sidecar.run, started by the tests: GET / answers "hello from <pid>";
GET /stream streams a line every 0.1 s and never ends (as a token stream or server-sent events
do); GET /env answers the LISTEN_* variables it sees; the WebSocket /ws echoes text; the health route says "starting" until the file named by $READY_FILE exists (when set). The
lifespan's shutdown prints "lifespan shutdown ran" on stderr."""
import asyncio
import os
import sys

from tauri_sidecar import run


async def app(scope, receive, send):
    if scope["type"] == "lifespan":
        while True:
            event = (await receive())["type"].rsplit(".", 1)[1]  # startup, then shutdown
            if event == "shutdown":
                print("lifespan shutdown ran", file=sys.stderr, flush=True)
            await send({"type": f"lifespan.{event}.complete"})
            if event == "shutdown":
                return
    if scope["type"] == "websocket":  # /ws: echoes each text message
        await receive()  # websocket.connect
        await send({"type": "websocket.accept"})
        while (message := await receive())["type"] == "websocket.receive":
            await send({"type": "websocket.send", "text": message["text"]})
        return
    if scope["path"] == "/env":
        names = ("LISTEN_FDS", "LISTEN_PID", "LISTEN_FDNAMES")
        body = repr({name: os.environ.get(name) for name in names}).encode()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": body})
        return
    if scope["path"] == "/stream":
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", b"text/plain")]})
        while True:
            await send({"type": "http.response.body", "body": b"token\n", "more_body": True})
            await asyncio.sleep(0.1)
    body = f"hello from {os.getpid()}".encode()
    headers = [(b"content-type", b"text/plain"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def ready():
    flag = os.environ.get("READY_FILE")
    return flag is None or os.path.exists(flag)


if __name__ == "__main__":
    run(app, ready=ready)

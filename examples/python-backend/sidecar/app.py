"""The example's Python backend: a FastAPI app that the `tauri-sidecar` package serves.

`tauri_sidecar.run` does what every sidecar needs: it serves the socket the plugin hands over
(`passSocket`), checks the Host header and the bearer token of every request, answers CORS
preflights from the webview, answers the health route, and shuts down gracefully on SIGTERM or
when the app closes the lifeline, ending open streams and WebSockets in time for the app's own
shutdown. Run by hand (`python app.py`), it serves on $PORT or 8000.
"""
import asyncio
import os
import sys

from fastapi import FastAPI, Request, WebSocket, WebSocketDisconnect
from fastapi.responses import StreamingResponse
import tauri_sidecar

app = FastAPI(title="python-backend example sidecar")


@app.get("/api/info")
def info():
    return {"python": sys.version.split()[0], "pid": os.getpid()}


@app.post("/api/echo")
async def echo(request: Request):
    body = (await request.body()).decode("utf-8", "replace")
    return {"echo": body, "length": len(body)}


@app.get("/api/stream")
async def stream():
    """An answer streamed a word at a time, as a language model streams its tokens (server-sent
    events stream the same way)."""

    async def words():
        for word in "streamed to the page one word at a time".split():
            yield word + " "
            await asyncio.sleep(0.05)

    return StreamingResponse(words(), media_type="text/plain")


@app.websocket("/ws/echo")
async def websocket_echo(socket: WebSocket):
    """Echoes every message; `backendWebSocket` carries the token in its subprotocol."""
    await socket.accept()
    try:
        while True:
            await socket.send_text(f"echo: {await socket.receive_text()}")
    except WebSocketDisconnect:
        pass


@app.post("/api/crash")
def crash():
    print("crashing on request", file=sys.stderr, flush=True)
    os._exit(3)


def main():
    tauri_sidecar.run(app)


if __name__ == "__main__":
    main()

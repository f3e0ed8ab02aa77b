"""The example's Python backend: a FastAPI app served by uvicorn on 127.0.0.1.

The supervisor (tauri-plugin-sidecar, with `passSocket`) listens on the port itself and passes
the listening socket as file descriptor 3 (LISTEN_FDS=1), the port in MT_API_PORT and the token
in MT_API_TOKEN. Run by hand (`python app.py`), it binds MT_API_PORT itself. Every request must carry `Authorization: Bearer <token>` and a Host header naming
this server (127.0.0.1:<port> or localhost:<port>, against DNS rebinding); CORS preflights from
the app's webview are answered without them.
"""
import hmac
import os
import socket
import sys

import uvicorn
from fastapi import FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse

PORT = int(os.environ.get("MT_API_PORT", "8000"))
TOKEN = os.environ.get("MT_API_TOKEN")
ALLOWED_HOSTS = {f"127.0.0.1:{PORT}", f"localhost:{PORT}"}
# The webview's origin: tauri://localhost on Linux and macOS, http(s)://tauri.localhost on Windows.
APP_ORIGINS = ["tauri://localhost", "http://tauri.localhost", "https://tauri.localhost"]

app = FastAPI(title="python-backend example sidecar")


@app.middleware("http")
async def only_the_app(request: Request, call_next):
    if request.headers.get("host") not in ALLOWED_HOSTS:
        return JSONResponse({"detail": "unexpected Host header"}, status_code=400)
    if TOKEN is not None:
        given = request.headers.get("authorization", "")
        if not hmac.compare_digest(given.encode(), f"Bearer {TOKEN}".encode()):
            return JSONResponse({"detail": "missing or wrong bearer token"}, status_code=401)
    return await call_next(request)


# Added last, so it runs first: preflights never reach the token check.
app.add_middleware(
    CORSMiddleware,
    allow_origins=APP_ORIGINS,
    allow_methods=["GET", "POST"],
    allow_headers=["Authorization", "Content-Type"],
)


@app.get("/api/health")
def health():
    return {"status": "ok"}


@app.get("/api/info")
def info():
    return {"python": sys.version.split()[0], "pid": os.getpid()}


@app.post("/api/echo")
async def echo(request: Request):
    body = (await request.body()).decode("utf-8", "replace")
    return {"echo": body, "length": len(body)}


@app.post("/api/crash")
def crash():
    print("crashing on request", file=sys.stderr, flush=True)
    os._exit(3)


def main():
    if os.environ.get("LISTEN_FDS") == "1":
        # The socket the plugin holds across restarts: requests made while this process was
        # (re)starting are waiting in its backlog. `uvicorn app:app --fd 3` does the same.
        server = uvicorn.Server(uvicorn.Config(app, log_level="info"))
        server.run(sockets=[socket.socket(fileno=3)])
    else:
        uvicorn.run(app, host="127.0.0.1", port=PORT, log_level="info")


if __name__ == "__main__":
    main()

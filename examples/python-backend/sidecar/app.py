"""The example's Python backend: a FastAPI app that the `tauri-sidecar` package serves.

`tauri_sidecar.run` does what every sidecar needs: it serves the socket the plugin hands over
(`passSocket`), checks the Host header and the bearer token of every request, answers CORS
preflights from the webview, answers the health route, and shuts down gracefully on SIGTERM or
when the app closes the lifeline. Run by hand (`python app.py`), it serves on $PORT or 8000.
"""
import os
import sys

from fastapi import FastAPI, Request
import tauri_sidecar

app = FastAPI(title="python-backend example sidecar")


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
    tauri_sidecar.run(app)


if __name__ == "__main__":
    main()

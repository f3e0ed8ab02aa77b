"""A Flask (WSGI) app served by tauri_sidecar.run, started by the tests: GET / answers
"hello from flask <pid>"; GET /stream streams a line every 0.1 s and never ends."""
import os
import time

from flask import Flask, Response

from tauri_sidecar import run

app = Flask(__name__)


@app.get("/")
def hello() -> str:
    return f"hello from flask {os.getpid()}"


@app.get("/stream")
def stream() -> Response:
    def tokens():
        while True:
            yield "token\n"
            time.sleep(0.1)

    return Response(tokens(), mimetype="text/plain")


if __name__ == "__main__":
    run(app)

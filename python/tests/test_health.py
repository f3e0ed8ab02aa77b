import json

from asgi_client import call, hello
from tauri_sidecar import health


def status_of(app, method="GET", path="/api/health"):
    status, _, body = call(app, method=method, path=path)
    return status, json.loads(body) if body else None


def test_ok_without_a_ready_callback_and_other_paths_reach_the_app():
    app = health(hello, "/api/health")
    assert status_of(app) == (200, {"status": "ok"})
    assert call(app, path="/api/other")[2] == b"hello"
    assert call(app, method="POST", path="/api/health")[2] == b"hello"


def test_starting_while_a_sync_ready_returns_false():
    loaded = []
    app = health(hello, "/api/health", ready=lambda: bool(loaded))
    assert status_of(app) == (200, {"status": "starting"})
    loaded.append("model")
    assert status_of(app) == (200, {"status": "ok"})


def test_an_async_ready_callback_is_awaited():
    answers = iter([False, True])

    async def ready():
        return next(answers)

    app = health(hello, "/healthz", ready=ready)
    assert status_of(app, path="/healthz") == (200, {"status": "starting"})
    assert status_of(app, path="/healthz") == (200, {"status": "ok"})


def test_a_ready_callback_that_raises_gives_500_and_the_reason():
    def ready():
        raise RuntimeError("database unreachable")

    status, body = status_of(health(hello, "/api/health", ready=ready))
    assert status == 500 and body["status"] == "error" and "database unreachable" in body["detail"]


def test_head_gets_the_status_without_a_body():
    status, headers, body = call(health(hello, "/api/health"), method="HEAD", path="/api/health")
    assert (status, body) == (200, b"")

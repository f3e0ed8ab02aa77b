"""The health route the plugin probes, as ASGI middleware."""
import inspect
import json
import logging
from typing import Awaitable, Callable, Dict, Optional, Union

from ._types import ASGIApp, Receive, Scope, Send

Ready = Callable[[], Union[bool, Awaitable[bool]]]

log = logging.getLogger("tauri_sidecar")


def health(app: ASGIApp, path: str, ready: Optional[Ready] = None) -> ASGIApp:
    """Answers ``GET path`` with ``{"status": "ok"}``, or ``{"status": "starting"}`` while
    ``ready()`` (sync or async) returns false; other requests go to ``app``. A ``ready()`` that
    raises gives HTTP 500, which the plugin counts as a failed probe."""

    async def with_health(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] != path or scope["method"] not in ("GET", "HEAD"):
            return await app(scope, receive, send)
        status, answer = 200, {"status": "ok"}  # type: int, Dict[str, str]
        if ready is not None:
            try:
                verdict = ready()
                if inspect.isawaitable(verdict):
                    verdict = await verdict
            except Exception as error:  # the probe reports it; the server keeps serving
                log.exception("the ready() callback raised")
                status, answer = 500, {"status": "error", "detail": f"ready() raised {error!r}"}
            else:
                if not verdict:
                    answer = {"status": "starting"}
        body = json.dumps(answer).encode()
        await send({
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
        })
        await send({"type": "http.response.body", "body": b"" if scope["method"] == "HEAD" else body})

    return with_health

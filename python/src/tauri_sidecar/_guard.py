"""The checks every request to a sidecar passes, as ASGI and WSGI middleware.

1. The Host header must name this server (``127.0.0.1:<port>`` or ``localhost:<port>``): a page
   on another site that rebinds its DNS name to 127.0.0.1 sends its own name and is refused.
2. A CORS preflight from an allowed origin (the app's webview) is answered at once, without the
   token: browsers never send credentials on a preflight.
3. With a token, ``Authorization: Bearer <token>`` is required, compared in constant time.

Every rejection is a JSON body ``{"detail": ...}`` with status 400 or 401. Responses to an
allowed origin carry ``Access-Control-Allow-Origin``, rejections included, so that the page can
read them.
"""
import hmac
import json
from typing import Iterable, List, Optional, Tuple

from ._contract import Config, config as read_config

#: The webview's origin: ``tauri://localhost`` on Linux and macOS, ``http(s)://tauri.localhost``
#: on Windows.
WEBVIEW_ORIGINS = ("tauri://localhost", "http://tauri.localhost", "https://tauri.localhost")

_ALLOWED_METHODS = "GET, POST, PUT, PATCH, DELETE, OPTIONS"
_DEFAULT_ALLOWED_HEADERS = "Authorization, Content-Type"
_PREFLIGHT_MAX_AGE = "600"

Headers = List[Tuple[str, str]]


class Policy:
    """The decisions, shared by :func:`guard` and :func:`wsgi_guard`."""

    def __init__(self, cfg: Config, origins: Iterable[str] = ()):
        self.token = cfg.token
        self.hosts = {f"127.0.0.1:{cfg.port}", f"localhost:{cfg.port}"}
        self.origins = frozenset((*WEBVIEW_ORIGINS, *cfg.origins, *origins))

    def decide(self, method: str, headers) -> Tuple[Optional[Tuple[int, Headers, bytes]], Headers]:
        """``headers`` maps lower-case names to values. Returns the answer to send instead of
        calling the app (or ``None``), and the headers to add to the app's response."""
        origin = headers.get("origin")
        cors = self._cors(origin)
        if headers.get("host") not in self.hosts:
            return _reject(400, "unexpected Host header", cors), cors
        if method == "OPTIONS" and origin and "access-control-request-method" in headers:
            if not cors:
                return _reject(400, f"origin {origin} is not allowed", []), []
            requested = headers.get("access-control-request-headers") or _DEFAULT_ALLOWED_HEADERS
            return (204, cors + [
                ("access-control-allow-methods", _ALLOWED_METHODS),
                ("access-control-allow-headers", requested),
                ("access-control-max-age", _PREFLIGHT_MAX_AGE),
            ], b""), cors
        if self.token is not None:
            given = headers.get("authorization", "")
            if not hmac.compare_digest(given.encode(), f"Bearer {self.token}".encode()):
                answer = _reject(401, "missing or wrong bearer token", cors)
                answer[1].append(("www-authenticate", "Bearer"))
                return answer, cors
        return None, cors

    def _cors(self, origin: Optional[str]) -> Headers:
        if origin in self.origins:
            return [("access-control-allow-origin", origin), ("vary", "Origin")]
        return []


def _reject(status: int, detail: str, cors: Headers) -> Tuple[int, Headers, bytes]:
    body = json.dumps({"detail": detail}).encode()
    return status, [*cors, ("content-type", "application/json"), ("content-length", str(len(body)))], body


def guard(app, cfg: Optional[Config] = None, origins: Iterable[str] = ()):
    """Wraps an ASGI app in the checks. ``cfg`` defaults to :func:`tauri_sidecar.config`.
    Allowed origins are the webview's, those the plugin names (the dev server's under
    ``tauri dev``) and ``origins``. WebSocket connections get the Host and token checks."""
    policy = Policy(cfg or read_config(), origins)

    async def guarded(scope, receive, send):
        if scope["type"] not in ("http", "websocket"):
            return await app(scope, receive, send)
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        method = scope.get("method", "GET")
        answer, cors = policy.decide(method, headers)
        if answer is not None:
            if scope["type"] == "websocket":
                return await send({"type": "websocket.close", "code": 1008})
            status, answer_headers, body = answer
            await send({
                "type": "http.response.start",
                "status": status,
                "headers": [(k.encode(), v.encode()) for k, v in answer_headers],
            })
            return await send({"type": "http.response.body", "body": body})
        if not cors or scope["type"] != "http":
            return await app(scope, receive, send)

        async def send_with_cors(message):
            if message["type"] == "http.response.start":
                present = {k.lower() for k, _ in message.get("headers", [])}
                added = [(k.encode(), v.encode()) for k, v in cors if k.encode() not in present]
                message = {**message, "headers": [*message.get("headers", []), *added]}
            await send(message)

        return await app(scope, receive, send_with_cors)

    return guarded


def wsgi_guard(app, cfg: Optional[Config] = None, origins: Iterable[str] = ()):
    """Wraps a WSGI app (Flask, Django, ...) in the checks; arguments as for :func:`guard`."""
    policy = Policy(cfg or read_config(), origins)

    def guarded(environ, start_response):
        headers = {
            key[5:].replace("_", "-").lower(): value
            for key, value in environ.items()
            if key.startswith("HTTP_")
        }
        answer, cors = policy.decide(environ.get("REQUEST_METHOD", "GET"), headers)
        if answer is not None:
            status, answer_headers, body = answer
            start_response(_status_line(status), answer_headers)
            return [body]
        if not cors:
            return app(environ, start_response)

        def start_with_cors(status, response_headers, exc_info=None):
            present = {k.lower() for k, _ in response_headers}
            added = [(k, v) for k, v in cors if k not in present]
            return start_response(status, [*response_headers, *added], exc_info)

        return app(environ, start_with_cors)

    return guarded


def _status_line(status: int) -> str:
    return {204: "204 No Content", 400: "400 Bad Request", 401: "401 Unauthorized"}[status]

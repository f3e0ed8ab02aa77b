"""The checks every request to a sidecar passes, as ASGI and WSGI middleware.

1. One ``Host``, ``Origin`` and ``Authorization`` header at most: a request that repeats one is
   refused, whichever copy a server would have read.
2. The Host header must name this server (``127.0.0.1:<port>`` or ``localhost:<port>``): a page
   on another site that rebinds its DNS name to 127.0.0.1 sends its own name and is refused.
3. A request with an ``Origin`` must come from an allowed origin (the app's webview, the dev
   server under ``tauri dev``, those given): a page of another site or app is refused before the
   app runs, whatever token it holds; WebSocket handshakes too.
4. A CORS preflight from an allowed origin is answered at once, without the token: browsers
   never send credentials on a preflight.
5. With a token, ``Authorization: Bearer <token>`` is required (the scheme in any case),
   compared in constant time. A WebSocket from a browser, which cannot set that header, offers
   the subprotocols ``tauri-sidecar`` and ``tauri-sidecar.bearer.<token>`` instead (as
   Kubernetes carries a bearer token on a WebSocket); the guard takes the token from there,
   hides it from the app, and the handshake's answer selects ``tauri-sidecar``.

Every rejection is a JSON body ``{"detail": ...}`` with status 400, 401 or 403. Responses to an
allowed origin carry ``Access-Control-Allow-Origin``, rejections included, so that the page can
read them.
"""
import hmac
import json
from typing import Callable, Collection, Dict, Iterable, List, Mapping, Optional, Set, Tuple

from ._contract import Config, config as read_config
from ._types import ASGIApp, Environ, Message, Receive, Scope, Send, StartResponse, WSGIApp

#: The webview's origin: ``tauri://localhost`` on Linux and macOS, ``http(s)://tauri.localhost``
#: on Windows.
WEBVIEW_ORIGINS = ("tauri://localhost", "http://tauri.localhost", "https://tauri.localhost")

#: The WebSocket subprotocol the page offers, and the guard's answer selects.
SUBPROTOCOL = "tauri-sidecar"
#: The prefix of the subprotocol that carries the token: ``tauri-sidecar.bearer.<token>``.
BEARER_SUBPROTOCOL = SUBPROTOCOL + ".bearer."
#: Headers a request may carry once at most.
_SINGLE = ("host", "origin", "authorization")

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

    def decide(
        self,
        method: str,
        headers: Mapping[str, str],
        repeated: Collection[str] = (),
        offered_token: Optional[str] = None,
    ) -> Tuple[Optional[Tuple[int, Headers, bytes]], Headers]:
        """``headers`` maps lower-case names to values; ``repeated`` names those that came more
        than once; ``offered_token`` is a WebSocket's bearer subprotocol's. Returns the answer to
        send instead of calling the app (or ``None``), and the headers to add to the app's
        response."""
        origin = headers.get("origin")
        cors = self._cors(origin)
        twice = [name for name in _SINGLE if name in repeated]
        if twice:
            return _reject(400, f"more than one {twice[0].title()} header", []), []
        if headers.get("host") not in self.hosts:
            return _reject(400, "unexpected Host header", cors), cors
        if origin is not None and not cors:
            return _reject(403, f"origin {origin} is not allowed", []), []
        if method == "OPTIONS" and origin and "access-control-request-method" in headers:
            requested = headers.get("access-control-request-headers") or _DEFAULT_ALLOWED_HEADERS
            return (204, cors + [
                ("access-control-allow-methods", _ALLOWED_METHODS),
                ("access-control-allow-headers", requested),
                ("access-control-max-age", _PREFLIGHT_MAX_AGE),
            ], b""), cors
        if self.token is not None:
            given = offered_token
            if "authorization" in headers:
                given = _bearer(headers["authorization"])
            if given is None or not hmac.compare_digest(given.encode(), self.token.encode()):
                answer = _reject(401, "missing or wrong bearer token", cors)
                answer[1].append(("www-authenticate", "Bearer"))
                return answer, cors
        return None, cors

    def _cors(self, origin: Optional[str]) -> Headers:
        if origin in self.origins:
            return [("access-control-allow-origin", origin), ("vary", "Origin")]
        return []


def _bearer(authorization: str) -> Optional[str]:
    """The credentials of ``Bearer <credentials>``, the scheme in any case (RFC 9110)."""
    scheme, _, credentials = authorization.partition(" ")
    return credentials.lstrip(" ") if scheme.lower() == "bearer" else None


def _reject(status: int, detail: str, cors: Headers) -> Tuple[int, Headers, bytes]:
    body = json.dumps({"detail": detail}).encode()
    return status, [*cors, ("content-type", "application/json"), ("content-length", str(len(body)))], body


def guard(app: ASGIApp, cfg: Optional[Config] = None, origins: Iterable[str] = ()) -> ASGIApp:
    """Wraps an ASGI app in the checks. ``cfg`` defaults to :func:`tauri_sidecar.config`.
    Allowed origins are the webview's, those the plugin names (the dev server's under
    ``tauri dev``) and ``origins``. WebSocket handshakes get every check, the token also from
    the ``tauri-sidecar.bearer.<token>`` subprotocol."""
    policy = Policy(cfg or read_config(), origins)

    async def guarded(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            return await app(scope, receive, send)
        headers: Dict[str, str] = {}
        repeated: Set[str] = set()
        for raw_name, raw_value in scope["headers"]:
            name = raw_name.decode("latin-1").lower()
            if name in headers:
                repeated.add(name)
            headers[name] = raw_value.decode("latin-1")
        offered = list(scope.get("subprotocols") or [])
        bearer = [p[len(BEARER_SUBPROTOCOL):] for p in offered if p.startswith(BEARER_SUBPROTOCOL)]
        method = scope.get("method", "GET")
        answer, cors = policy.decide(method, headers, repeated, bearer[0] if bearer else None)
        if answer is not None:
            if scope["type"] == "websocket":
                # Closed before it is accepted: the server answers the handshake with 403.
                return await send({"type": "websocket.close", "code": 1008})
            status, answer_headers, body = answer
            await send({
                "type": "http.response.start",
                "status": status,
                "headers": [(k.encode(), v.encode()) for k, v in answer_headers],
            })
            return await send({"type": "http.response.body", "body": body})
        if scope["type"] == "websocket":
            scope, send = _websocket_without_token(scope, send, offered)
            return await app(scope, receive, send)
        if not cors:
            return await app(scope, receive, send)

        async def send_with_cors(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {k.lower() for k, _ in message.get("headers", [])}
                added = [(k.encode(), v.encode()) for k, v in cors if k.encode() not in present]
                message = {**message, "headers": [*message.get("headers", []), *added]}
            await send(message)

        return await app(scope, receive, send_with_cors)

    return guarded


def _websocket_without_token(scope: Scope, send: Send, offered: List[str]) -> Tuple[Scope, Send]:
    """The app's view of an accepted WebSocket: the bearer subprotocol hidden, and its accept
    answering with ``tauri-sidecar`` when the page offered it and the app chose nothing (a
    browser drops a connection whose answer selects none of the subprotocols it offered)."""
    scope = {**scope, "subprotocols": [p for p in offered if not p.startswith(BEARER_SUBPROTOCOL)]}
    if SUBPROTOCOL not in offered:
        return scope, send

    async def send_selecting(message: Message) -> None:
        if message["type"] == "websocket.accept" and not message.get("subprotocol"):
            message = {**message, "subprotocol": SUBPROTOCOL}
        await send(message)

    return scope, send_selecting


def wsgi_guard(app: WSGIApp, cfg: Optional[Config] = None, origins: Iterable[str] = ()) -> WSGIApp:
    """Wraps a WSGI app (Flask, Django, ...) in the checks; arguments as for :func:`guard`. A
    WSGI server joins a repeated header into one value, which then matches nothing: refused."""
    policy = Policy(cfg or read_config(), origins)

    def guarded(environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
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

        def start_with_cors(
            status: str, response_headers: Headers, exc_info: object = None
        ) -> Optional[Callable[[bytes], object]]:
            present = {k.lower() for k, _ in response_headers}
            added = [(k, v) for k, v in cors if k not in present]
            return start_response(status, [*response_headers, *added], exc_info)

        return app(environ, start_with_cors)

    return guarded


def _status_line(status: int) -> str:
    return {
        204: "204 No Content",
        400: "400 Bad Request",
        401: "401 Unauthorized",
        403: "403 Forbidden",
    }[status]

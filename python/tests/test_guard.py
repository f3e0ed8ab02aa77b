"""The checks, through the ASGI guard and the WSGI guard alike."""
import io
import json

import pytest

from asgi_client import call, hello
from tauri_sidecar import Config, guard, health, wsgi_guard

TOKEN = "t" * 64
CFG = Config(name="api", port=4123, token=TOKEN, socket_fd=None, health_path="/api/health", supervised=True)
GOOD = {"Host": "127.0.0.1:4123", "Authorization": f"Bearer {TOKEN}"}


def wsgi_hello(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"hello"]


def call_wsgi(app, method="GET", path="/", headers=None):
    environ = {"REQUEST_METHOD": method, "PATH_INFO": path, "wsgi.input": io.BytesIO()}
    for name, value in (headers or {}).items():
        environ["HTTP_" + name.upper().replace("-", "_")] = value
    answer = {}

    def start_response(status, response_headers, exc_info=None):
        answer["status"] = int(status.split()[0])
        answer["headers"] = {k.lower(): v for k, v in response_headers}

    body = b"".join(app(environ, start_response))
    return answer["status"], answer["headers"], body


CALLERS = {
    "asgi": lambda cfg, **kw: call(guard(hello, cfg, **kw.pop("guard", {})), **kw),
    "wsgi": lambda cfg, **kw: call_wsgi(wsgi_guard(wsgi_hello, cfg, **kw.pop("guard", {})), **kw),
}


@pytest.fixture(params=sorted(CALLERS))
def request_to(request):
    return lambda cfg=CFG, **kw: CALLERS[request.param](cfg, **kw)


def test_the_right_host_and_token_pass(request_to):
    assert request_to(headers=GOOD) == (200, {"content-type": "text/plain"}, b"hello")
    assert request_to(headers={**GOOD, "Host": "localhost:4123"})[0] == 200


@pytest.mark.parametrize("host", ["evil.example:4123", "127.0.0.1:9999", "127.0.0.1", None])
def test_a_foreign_host_is_refused_with_400(request_to, host):
    headers = {**GOOD, "Host": host} if host else {"Authorization": GOOD["Authorization"]}
    status, headers, body = request_to(headers=headers)
    assert (status, json.loads(body)) == (400, {"detail": "unexpected Host header"})
    assert headers["content-type"] == "application/json"


@pytest.mark.parametrize("authorization", [None, "Bearer wrong", f"Basic {TOKEN}", TOKEN, f"Bearer {TOKEN} ", "Bearer"])
def test_a_missing_or_wrong_token_is_refused_with_401(request_to, authorization):
    headers = {"Host": "127.0.0.1:4123"}
    if authorization:
        headers["Authorization"] = authorization
    status, headers, body = request_to(headers=headers)
    assert (status, json.loads(body)) == (401, {"detail": "missing or wrong bearer token"})
    assert headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize("scheme", ["bearer", "BEARER", "Bearer"])
def test_the_bearer_scheme_is_case_insensitive(request_to, scheme):
    assert request_to(headers={"Host": "127.0.0.1:4123", "Authorization": f"{scheme} {TOKEN}"})[0] == 200


@pytest.mark.parametrize("repeated", ["Host", "Authorization", "Origin"])
def test_a_repeated_host_token_or_origin_is_refused_whichever_copy_is_read(repeated):
    # Servers differ in which copy they keep; the guard never guesses (ASGI keeps every copy).
    good = {**GOOD, "Origin": "tauri://localhost"}
    headers = [*good.items(), (repeated, good[repeated])]
    status, _, body = call(guard(hello, CFG), headers=headers)
    assert (status, json.loads(body)) == (400, {"detail": f"more than one {repeated} header"})


def test_without_a_token_only_the_host_is_checked(request_to):
    cfg = Config(name="api", port=4123, token=None, socket_fd=None, health_path="/api/health", supervised=True)
    assert request_to(cfg, headers={"Host": "127.0.0.1:4123"})[0] == 200


@pytest.mark.parametrize("origin", ["tauri://localhost", "http://tauri.localhost", "https://tauri.localhost"])
def test_a_preflight_from_the_webview_passes_without_the_token(request_to, origin):
    status, headers, body = request_to(method="OPTIONS", headers={
        "Host": "127.0.0.1:4123", "Origin": origin,
        "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "authorization,content-type",
    })
    assert (status, body) == (204, b"")
    assert headers["access-control-allow-origin"] == origin
    assert headers["access-control-allow-headers"] == "authorization,content-type"
    assert "POST" in headers["access-control-allow-methods"]


def test_a_preflight_from_another_origin_is_refused(request_to):
    status, headers, body = request_to(method="OPTIONS", headers={
        "Host": "127.0.0.1:4123", "Origin": "https://evil.example", "Access-Control-Request-Method": "GET"})
    assert status == 403 and b"origin https://evil.example is not allowed" in body
    assert "access-control-allow-origin" not in headers


@pytest.mark.parametrize("origin", ["https://evil.example", "null", "tauri://localhost.evil", "http://localhost:1420"])
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_a_foreign_origin_is_refused_with_the_token_and_never_reaches_the_app(origin, method):
    reached = []

    async def app(scope, receive, send):
        reached.append(scope["path"])
        await hello(scope, receive, send)

    def wsgi_app(environ, start_response):
        reached.append(environ["PATH_INFO"])
        return wsgi_hello(environ, start_response)

    for caller, handler in ((call, guard(app, CFG)), (call_wsgi, wsgi_guard(wsgi_app, CFG))):
        status, headers, body = caller(handler, method=method, headers={**GOOD, "Origin": origin})
        assert (status, json.loads(body)) == (403, {"detail": f"origin {origin} is not allowed"})
        assert "access-control-allow-origin" not in headers
    assert reached == []


def test_extra_origins_are_allowed_such_as_the_dev_server(request_to):
    status, headers, _ = request_to(method="OPTIONS", guard={"origins": ["http://localhost:1420"]}, headers={
        "Host": "127.0.0.1:4123", "Origin": "http://localhost:1420", "Access-Control-Request-Method": "GET"})
    assert (status, headers["access-control-allow-origin"]) == (204, "http://localhost:1420")


def test_the_origins_the_plugin_names_are_allowed(request_to):
    told = Config(name="api", port=4123, token=TOKEN, socket_fd=None, health_path="/api/health",
                  supervised=True, origins=("http://localhost:1420",))
    status, headers, _ = request_to(told, method="OPTIONS", headers={
        "Host": "127.0.0.1:4123", "Origin": "http://localhost:1420", "Access-Control-Request-Method": "GET"})
    assert (status, headers["access-control-allow-origin"]) == (204, "http://localhost:1420")


def test_answers_to_the_webview_carry_cors_headers_refusals_included(request_to):
    ok = request_to(headers={**GOOD, "Origin": "tauri://localhost"})
    refused = request_to(headers={"Host": "127.0.0.1:4123", "Origin": "tauri://localhost"})
    assert ok[0] == 200 and ok[1]["access-control-allow-origin"] == "tauri://localhost"
    assert refused[0] == 401 and refused[1]["access-control-allow-origin"] == "tauri://localhost"


def test_a_websocket_with_a_wrong_token_is_closed_with_policy_violation():
    sent = call(guard(hello, CFG), headers={"Host": "127.0.0.1:4123"}, scope_type="websocket")
    assert sent == [{"type": "websocket.close", "code": 1008}]
    sent = call(guard(hello, CFG), headers=GOOD, scope_type="websocket")
    assert sent[0] == {"type": "websocket.accept"}


def test_a_websocket_from_the_page_carries_the_token_in_a_subprotocol_the_app_never_sees():
    page = {"Host": "127.0.0.1:4123", "Origin": "tauri://localhost"}
    offered = ["tauri-sidecar", f"tauri-sidecar.bearer.{TOKEN}", "chat"]
    sent = call(guard(hello, CFG), headers=page, scope_type="websocket", subprotocols=offered)
    # Accepted with `tauri-sidecar` selected, as a browser requires; the app saw no token.
    assert sent == [
        {"type": "websocket.accept", "subprotocol": "tauri-sidecar"},
        {"type": "websocket.send", "text": "tauri-sidecar,chat"},
    ]
    for wrong in (["tauri-sidecar"], ["tauri-sidecar", "tauri-sidecar.bearer.wrong"]):
        sent = call(guard(hello, CFG), headers=page, scope_type="websocket", subprotocols=wrong)
        assert sent == [{"type": "websocket.close", "code": 1008}]
    stranger = {**page, "Origin": "https://evil.example"}
    sent = call(guard(hello, CFG), headers=stranger, scope_type="websocket", subprotocols=offered)
    assert sent == [{"type": "websocket.close", "code": 1008}]


def test_lifespan_events_reach_the_app():
    seen = []

    async def app(scope, receive, send):
        seen.append(scope["type"])

    import asyncio
    asyncio.run(guard(app, CFG)({"type": "lifespan"}, None, None))
    assert seen == ["lifespan"]


def test_the_health_route_behind_the_guard_needs_the_token_like_everything_else():
    app = guard(health(hello, "/api/health"), CFG)
    assert call(app, path="/api/health", headers={"Host": "127.0.0.1:4123"})[0] == 401
    assert call(app, path="/api/health", headers=GOOD)[2] == b'{"status": "ok"}'

"""`run` in a real process: the handed-over socket, the port, the guard, the health route, and
graceful shutdown on the end of the lifeline and on SIGTERM."""
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest

SERVED_APP = Path(__file__).with_name("served_app.py")
SERVED_FLASK = Path(__file__).with_name("served_flask.py")
SERVED_DJANGO = Path(__file__).with_name("served_django.py")
TOKEN = "k" * 64
# What uvicorn logs once connections are answered: on a socket handed over, which already
# listens, the end of the app's startup; on a port, the line after its own listen.
STARTED_ON_SOCKET = "Application startup complete"
STARTED_ON_PORT = "Uvicorn running on"
GRACEFUL = "Finished server process"


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Sidecar:
    """served_app.py as the plugin starts it: the contract, a token, stdin as a pipe, and with
    `pass_socket` a listening socket as descriptor 3."""

    def __init__(self, pass_socket=True, supervised=True, extra_env=None, contract=None, script=SERVED_APP):
        self.listener = None
        env = {**os.environ, **(extra_env or {})}
        env.pop("TAURI_SIDECAR", None)
        if pass_socket:
            self.listener = socket.create_server(("127.0.0.1", 0))
            self.port = self.listener.getsockname()[1]
        else:
            self.port = free_port()
        if supervised:
            env.update({
                "TAURI_SIDECAR": json.dumps({
                    "v": 1, "name": "api", "portEnv": "API_PORT", "tokenEnv": "API_TOKEN",
                    "healthPath": "/api/health", "socketFd": 3 if pass_socket else None,
                    **(contract or {}),
                }),
                "API_PORT": str(self.port),
                "API_TOKEN": TOKEN,
            })
        else:
            env["PORT"] = str(self.port)
        self.token = TOKEN if supervised else None
        self.started_line = STARTED_ON_SOCKET if pass_socket else STARTED_ON_PORT
        fd = self.listener.fileno() if self.listener else None
        self.process = subprocess.Popen(
            [sys.executable, str(script)],
            env=env,
            stdin=subprocess.PIPE if supervised else subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            pass_fds=(3,) if fd is not None else (),
            preexec_fn=(lambda: os.dup2(fd, 3)) if fd is not None else None,
        )
        self.lines = []
        self.started = threading.Event()
        self.reader = threading.Thread(target=self._read_stderr, daemon=True)
        self.reader.start()

    def _read_stderr(self):
        for line in self.process.stderr:
            self.lines.append(line)
            if self.started_line in line:
                self.started.set()
        self.started.set()

    def wait_started(self):
        # A line uvicorn logs: an event, not a poll.
        assert self.started.wait(30), self.output()
        assert self.process.poll() is None, self.output()

    def get(self, path, token=None, host=None, method="GET", body=None, origin=None):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        headers = {"Host": host or f"127.0.0.1:{self.port}"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        if origin:
            headers["Origin"] = origin
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        answer = response.status, response.read().decode()
        connection.close()
        return answer

    def wait_exit(self):
        code = self.process.wait(30)
        self.reader.join(10)
        return code

    def output(self):
        return "".join(self.lines)

    def close(self):
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        if self.listener:
            self.listener.close()


@pytest.fixture
def sidecars():
    started = []

    def start(**kwargs):
        started.append(Sidecar(**kwargs))
        return started[-1]

    yield start
    for sidecar in started:
        sidecar.close()


def test_serves_on_the_socket_handed_over_behind_the_guard(sidecars):
    sidecar = sidecars(pass_socket=True)
    sidecar.wait_started()
    status, body = sidecar.get("/", token=TOKEN)
    assert (status, body) == (200, f"hello from {sidecar.process.pid}")
    assert sidecar.get("/api/health", token=TOKEN) == (200, '{"status": "ok"}')
    assert sidecar.get("/")[0] == 401
    assert sidecar.get("/", token=TOKEN, host="evil.example")[0] == 400


def test_a_websocket_from_the_page_works_with_the_token_in_its_subprotocol(sidecars):
    from websockets.exceptions import InvalidStatus
    from websockets.sync.client import connect

    sidecar = sidecars()
    sidecar.wait_started()
    url = f"ws://127.0.0.1:{sidecar.port}/ws"
    page = {"origin": "tauri://localhost"}
    with connect(url, subprotocols=["tauri-sidecar", f"tauri-sidecar.bearer.{TOKEN}"], **page) as ws:
        assert ws.subprotocol == "tauri-sidecar"
        ws.send("ping")
        assert ws.recv(timeout=10) == "ping"
    for subprotocols, origin in ((["tauri-sidecar"], page), (["tauri-sidecar", f"tauri-sidecar.bearer.{TOKEN}"],
                                                             {"origin": "https://evil.example"})):
        with pytest.raises(InvalidStatus) as refused:
            connect(url, subprotocols=subprotocols, **origin)
        assert refused.value.response.status_code == 403


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_the_socket_handed_over_is_kept_from_the_apps_own_children(sidecars):
    sidecar = sidecars(pass_socket=True, extra_env={"LISTEN_FDS": "1", "LISTEN_FDNAMES": "api"})
    sidecar.wait_started()
    assert sidecar.get("/env", token=TOKEN) == (
        200, "{'LISTEN_FDS': None, 'LISTEN_PID': None, 'LISTEN_FDNAMES': None}")
    fdinfo = Path(f"/proc/{sidecar.process.pid}/fdinfo/3").read_text()
    flags = int(fdinfo.split("flags:")[1].split()[0], 8)
    assert flags & os.O_CLOEXEC, "descriptor 3 would be inherited by the app's own children"


def test_a_missing_descriptor_3_names_pass_socket(sidecars):
    sidecar = sidecars(pass_socket=False, contract={"socketFd": 3})
    assert sidecar.wait_exit() == 1
    assert "passSocket" in sidecar.output() and "Traceback" not in sidecar.output()


def test_serves_on_the_port_without_a_socket(sidecars):
    sidecar = sidecars(pass_socket=False)
    sidecar.wait_started()
    assert sidecar.get("/api/health", token=TOKEN) == (200, '{"status": "ok"}')


def test_health_says_starting_until_ready(sidecars, tmp_path):
    flag = tmp_path / "loaded"
    sidecar = sidecars(extra_env={"READY_FILE": str(flag)})
    sidecar.wait_started()
    assert sidecar.get("/api/health", token=TOKEN) == (200, '{"status": "starting"}')
    flag.touch()
    assert sidecar.get("/api/health", token=TOKEN) == (200, '{"status": "ok"}')


def test_the_end_of_the_lifeline_shuts_down_gracefully(sidecars):
    sidecar = sidecars()
    sidecar.wait_started()
    sidecar.process.stdin.close()
    assert sidecar.wait_exit() == 0, sidecar.output()
    assert "standard input closed" in sidecar.output()
    assert GRACEFUL in sidecar.output()


def test_an_open_stream_does_not_keep_the_server_from_its_shutdown(sidecars):
    # The plugin kills 2 s after asking; connections get half of it, then the app's shutdown runs.
    sidecar = sidecars(contract={"shutdownTimeoutMs": 2000})
    sidecar.wait_started()
    connection = http.client.HTTPConnection("127.0.0.1", sidecar.port, timeout=30)
    connection.request("GET", "/stream", headers={"Authorization": f"Bearer {TOKEN}",
                                                  "Host": f"127.0.0.1:{sidecar.port}"})
    stream = connection.getresponse()
    assert stream.readline() == b"token\n"
    sidecar.process.stdin.close()
    assert sidecar.wait_exit() == 0, sidecar.output()
    assert "lifespan shutdown ran" in sidecar.output()
    assert GRACEFUL in sidecar.output()
    connection.close()


def test_a_flask_app_is_served_behind_the_guard_and_stops_with_its_lifeline(sidecars):
    sidecar = sidecars(script=SERVED_FLASK, contract={"shutdownTimeoutMs": 2000})
    sidecar.wait_started()
    assert sidecar.get("/", token=TOKEN) == (200, f"hello from flask {sidecar.process.pid}")
    assert sidecar.get("/")[0] == 401
    assert sidecar.get("/api/health", token=TOKEN) == (200, '{"status": "ok"}')
    # A client holds a stream open; the end of the lifeline still ends the server in time.
    connection = http.client.HTTPConnection("127.0.0.1", sidecar.port, timeout=30)
    connection.request("GET", "/stream", headers={"Authorization": f"Bearer {TOKEN}",
                                                  "Host": f"127.0.0.1:{sidecar.port}"})
    stream = connection.getresponse()
    assert stream.readline() == b"token\n"
    sidecar.process.stdin.close()
    assert sidecar.wait_exit() == 0, sidecar.output()
    assert GRACEFUL in sidecar.output()
    connection.close()


def test_the_django_recipe_answers_the_webview_with_the_token_only(sidecars):
    sidecar = sidecars(script=SERVED_DJANGO)
    sidecar.wait_started()
    assert sidecar.get("/api/hello", token=TOKEN) == (200, "hello from django")
    webview = {"method": "POST", "body": "hi", "origin": "tauri://localhost"}
    assert sidecar.get("/api/echo", token=TOKEN, **webview) == (200, "hi")
    assert sidecar.get("/api/echo", **webview)[0] == 401
    assert sidecar.get("/api/echo", token=TOKEN, **{**webview, "origin": "https://evil.example"})[0] == 403
    sidecar.process.stdin.close()
    assert sidecar.wait_exit() == 0, sidecar.output()


@pytest.mark.parametrize("option", ["host", "fd", "uds", "reload", "workers"])
def test_options_that_cannot_work_under_the_plugin_are_refused_saying_why(option):
    from tauri_sidecar._run import _refuse_what_cannot_work

    with pytest.raises(ValueError, match=f"does not take {option}=: "):
        _refuse_what_cannot_work({option: 1})


def test_a_graceful_timeout_the_plugin_would_cut_short_is_refused():
    from tauri_sidecar._run import _graceful_budget

    assert _graceful_budget(5.0, None) == 2.5
    assert _graceful_budget(5.0, 1.0) == 1.0
    with pytest.raises(ValueError, match="raise shutdownTimeoutMs"):
        _graceful_budget(5.0, 4.0)


@pytest.mark.skipif(sys.platform == "win32", reason="SIGTERM is Unix")
def test_sigterm_shuts_down_gracefully_with_the_lifeline_still_open(sidecars):
    sidecar = sidecars()
    sidecar.wait_started()
    sidecar.process.send_signal(signal.SIGTERM)
    # Once shut down, uvicorn raises the signal again, so that the exit status names it.
    assert sidecar.wait_exit() == -signal.SIGTERM, sidecar.output()
    assert GRACEFUL in sidecar.output()
    assert "standard input closed" not in sidecar.output()


def test_outside_the_plugin_it_says_so_and_serves_on_PORT_without_a_token(sidecars):
    sidecar = sidecars(pass_socket=False, supervised=False)
    sidecar.wait_started()
    assert "not started by tauri-plugin-sidecar" in sidecar.output()
    assert sidecar.get("/api/health") == (200, '{"status": "ok"}')
    sidecar.process.send_signal(signal.SIGINT)
    assert sidecar.wait_exit() == 130, sidecar.output()
    assert GRACEFUL in sidecar.output() and "Traceback" not in sidecar.output()


@pytest.mark.skipif(sys.platform == "win32", reason="SIGTERM is Unix")
def test_watch_lifeline_raises_sigterm_by_default_and_ignores_a_terminal_or_dev_null():
    waits = "import sys, time, tauri_sidecar; print(tauri_sidecar.watch_lifeline(), flush=True); time.sleep(60)"
    watched = subprocess.Popen([sys.executable, "-c", waits], stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert watched.stdout.readline() == "True\n"
    watched.stdin.close()
    assert watched.wait(30) == -signal.SIGTERM
    assert "standard input closed" in watched.stderr.read()

    unwatched = subprocess.run([sys.executable, "-c", waits.replace("time.sleep(60)", "")],
                               stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=30)
    assert unwatched.stdout == "False\n"

"""Drives the example app in its real webview: tauri-driver + WebKitWebDriver (W3C WebDriver),
plus the process checks of the end-to-end tests. Standard library only.

Waiting on the page is event-driven: an async script resolves from a MutationObserver the moment
an element's text matches, so nothing here sleeps to synchronise with the app.
"""
import base64
import contextlib
import http.client
import json
import os
import select
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
EXAMPLE = HERE.parent
#: The app under test: the `e2e` build, or `E2E_APP` (an installed package's `/usr/bin/python-backend`).
APP = Path(os.environ.get("E2E_APP", EXAMPLE / "src-tauri" / "target" / "e2e" / "python-backend"))
#: With `E2E_APP_PATH` set, tauri-driver, WebKitWebDriver and so the app run with it as `PATH`,
#: and in the directory `E2E_APP_CWD`.
APP_PATH = os.environ.get("E2E_APP_PATH")
APP_CWD = os.environ.get("E2E_APP_CWD")
ARTIFACTS = EXAMPLE.parent.parent / "target" / "e2e"
ELEMENT = "element-6066-11e4-a52e-4f735466cecf"
#: Longest wait for anything the app does (start, ready, restart); failing earlier is a bug.
PATIENCE_S = 60
#: How long a WebDriver session may take to start before it is retried once.
SESSION_START_S = 30


def log(message):
    now = time.time()
    stamp = time.strftime("%H:%M:%S", time.localtime(now))
    print(f"[{stamp}.{int(now * 1000) % 1000:03d}] {message}", flush=True)


class WebDriverError(RuntimeError):
    pass


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Driver:
    """A tauri-driver process; its stderr (with WebKitWebDriver's and the app's) goes to `log_path`."""

    def __init__(self, log_path):
        self.port = free_port()
        self.native_port = free_port()
        self.log_path = Path(log_path)
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log = open(self.log_path, "wb")
        command = [shutil.which("tauri-driver"), "--port", str(self.port), "--native-port", str(self.native_port)]
        env = None
        if APP_PATH:
            # Found on our PATH, as the app's may not have it.
            command += ["--native-driver", shutil.which("WebKitWebDriver")]
            env = {**os.environ, "PATH": APP_PATH}
        self.process = subprocess.Popen(
            command,
            stdout=subprocess.DEVNULL,
            stderr=self._log,
            start_new_session=True,
            env=env,
            cwd=APP_CWD,
        )
        # tauri-driver drops requests until WebKitWebDriver listens too: wait for both ports.
        for port in (self.port, self.native_port):
            self._await_listening(port)

    def _await_listening(self, port):
        deadline = time.monotonic() + PATIENCE_S
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                return
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"tauri-driver did not start; see {self.log_path}")
                time.sleep(0.05)  # a foreign process gives no readiness event; poll its port

    def output(self):
        return self.log_path.read_text(errors="replace")

    def stop(self):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        self._log.close()


class Session:
    """A W3C WebDriver session on the app, over one kept-alive HTTP connection (tauri-driver
    drops some requests of clients that close the connection after each one)."""

    def __init__(self, driver, application=APP):
        self.driver = driver
        self.conn = http.client.HTTPConnection("127.0.0.1", driver.port, timeout=SESSION_START_S)
        caps = {"capabilities": {"alwaysMatch": {"tauri:options": {"application": str(application)}}}}
        #: When the session (and with it the app's launch) was requested, in seconds since the epoch.
        self.requested_at = time.time()
        try:
            self.id = self._call("POST", "/session", caps)["sessionId"]
        except BaseException:
            self.conn.close()
            raise
        self.conn.timeout = PATIENCE_S + 10
        if self.conn.sock is not None:
            self.conn.sock.settimeout(PATIENCE_S + 10)
        self._call("POST", f"/session/{self.id}/timeouts", {"script": PATIENCE_S * 1000, "implicit": 0})

    def _call(self, method, path, body=None):
        data = None if body is None else json.dumps(body).encode()
        headers = {"Content-Type": "application/json"} if data is not None else {}
        self.conn.request(method, path, body=data, headers=headers)
        response = self.conn.getresponse()
        payload = json.loads(response.read() or b"null")
        value = payload.get("value") if isinstance(payload, dict) else payload
        if response.status >= 400:
            raise WebDriverError(f"{method} {path}: {value}")
        return value

    def find(self, css):
        found = self._call("POST", f"/session/{self.id}/element", {"using": "css selector", "value": css})
        return found[ELEMENT]

    def click(self, css):
        self._call("POST", f"/session/{self.id}/element/{self.find(css)}/click", {})

    def text(self, css):
        return self.run("return document.querySelector(arguments[0]).textContent", css)

    def run(self, script, *args):
        return self._call("POST", f"/session/{self.id}/execute/sync", {"script": script, "args": list(args)})

    def run_async(self, script, *args):
        """Runs `script`, whose last argument is a callback; returns what it is called with."""
        return self._call("POST", f"/session/{self.id}/execute/async", {"script": script, "args": list(args)})

    def wait_text(self, css, pattern):
        """Resolves with the element's text as soon as it matches the regular expression `pattern`."""
        script = """
            const [css, pattern, done] = arguments
            const element = document.querySelector(css)
            const matches = () => new RegExp(pattern).test(element.textContent)
            if (matches()) return done(element.textContent)
            new MutationObserver((_, observer) => {
              if (matches()) { observer.disconnect(); done(element.textContent) }
            }).observe(element, { childList: true, characterData: true, subtree: true })
        """
        try:
            return self.run_async(script, css, pattern)
        except WebDriverError as e:
            raise AssertionError(f"{css} never matched /{pattern}/ (it shows {self.text(css)!r}): {e}")

    def screenshot(self, path):
        # Let WebKit paint what the page just changed: two animation frames.
        self.run_async("const done = arguments[0]; requestAnimationFrame(() => requestAnimationFrame(done))")
        png = base64.b64decode(self._call("GET", f"/session/{self.id}/screenshot"))
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        Path(path).write_bytes(png)
        return path

    def end(self):
        with contextlib.suppress(Exception):
            self._call("DELETE", f"/session/{self.id}")
        self.conn.close()


def open_app(name, application=APP, driver=None):
    """A session on `application` through `driver` (a new tauri-driver logging to
    `target/e2e/<name>.log` when None); returns the driver and the session. One retry, with a new
    driver, when the session start hangs (WebKit's helpers occasionally never start)."""
    for attempt in (1, 2):
        driver = driver or Driver(ARTIFACTS / f"{name}.log")
        try:
            return driver, Session(driver, application)
        except (OSError, http.client.HTTPException, WebDriverError) as e:
            driver.stop()
            driver = None
            if attempt == 2:
                raise
            log(f"WebDriver session did not start ({e}); retrying once with a new driver")


def app_pids(application=APP):
    """Pids of running instances of the app's executable."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                if os.readlink(entry / "exe") == str(application):
                    found.append(int(entry.name))
    return found


def group_members(pgid):
    """Live (non-zombie) processes in process group `pgid`."""
    members = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError):
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            state, pgrp = fields[0], int(fields[2])
            if pgrp == pgid and state != "Z":
                members.append(int(entry.name))
    return members


def wait_group_gone(pgid, timeout):
    """Awaits the end of every process in group `pgid`; returns those still alive after `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        members = group_members(pgid)
        if not members:
            return []
        for pid in members:
            if not wait_exit(pid, max(0.0, deadline - time.monotonic())):
                return group_members(pgid)


def wait_exit(pid, timeout=PATIENCE_S):
    """Awaits the end of any process (pidfd: an event, not a poll); True if it ended in time."""
    try:
        fd = os.pidfd_open(pid)
    except ProcessLookupError:
        return True
    try:
        ready, _, _ = select.select([fd], [], [], timeout)
        return bool(ready)
    finally:
        os.close(fd)


def port_is_free(port):
    """Whether a server could listen on `port` again (with SO_REUSEADDR, as servers bind)."""
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False

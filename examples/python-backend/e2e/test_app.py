"""End-to-end tests of the example app in a real webview (WebKitGTK through tauri-driver), with
the sidecar as scripts/build-sidecar packages it (PyInstaller by default). Run under a display
(`xvfb-run -a`) after building the app with `cargo build --profile e2e --features
tauri/custom-protocol`; `scripts/e2e` at the repository root does all of it. With E2E_APP set,
they test an installed package instead (scripts/test-installed-package).
"""
import http.client
import json
import os
import signal
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import (  # noqa: E402
    ARTIFACTS,
    PATIENCE_S,
    app_pids,
    group_members,
    wait_group_gone,
    log,
    open_app,
    port_is_free,
    wait_exit,
)
from round import await_ready, crash_and_recover, echo, quit_app  # noqa: E402

#: After the app is SIGKILLed, the sidecar's watchdog ends the group "shortly after"; after a
#: graceful exit, the watchdog itself (a shell in the group) may take as long to be gone.
SHORTLY_S = 10


class ExampleApp(unittest.TestCase):
    def setUp(self):
        self.assertEqual(app_pids(), [], "an instance of the app is already running")
        self.driver, self.session = open_app(self.id().rsplit(".", 1)[1])
        self.addCleanup(self.driver.stop)
        self.addCleanup(self.session.end)

    def the_app(self):
        pids = app_pids()
        self.assertEqual(len(pids), 1, f"one app process expected, found {pids}")
        return pids[0]

    def assert_no_sidecar_left(self, shown, within):
        """The sidecar's process is gone `within` seconds of the app's exit (0: before it), and
        its whole process group shortly after."""
        pid = shown["pid"]
        self.assertTrue(wait_exit(pid, within), f"sidecar {pid} outlived the app")
        self.assertTrue(wait_exit(shown["server_pid"], within), "the server process outlived the app")
        left = wait_group_gone(pid, SHORTLY_S)
        self.assertEqual(left, [], f"processes left in the sidecar's group {pid}")
        port = int(shown["url"].rsplit(":", 1)[1])
        self.assertTrue(port_is_free(port), f"port {port} is still taken")

    def assert_backend_refuses_strangers(self, url):
        """The backend answers only with the page's token, and only to a loopback Host."""
        token = self.session.run_async(
            "const done = arguments[0]; window.__TAURI__.sidecar.getBackend().then((b) => done(b.token))"
        )
        port = int(url.rsplit(":", 1)[1])

        def status(headers):
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=PATIENCE_S)
            connection.request("GET", "/api/health", headers=headers)
            code = connection.getresponse().status
            connection.close()
            return code

        self.assertEqual(status({"Authorization": f"Bearer {token}"}), 200)
        self.assertEqual(status({}), 401, "a request without the token is refused")
        self.assertEqual(status({"Authorization": "Bearer " + "0" * 64}), 401, "a wrong token too")
        stranger = {"Authorization": f"Bearer {token}", "Host": f"evil.example:{port}"}
        self.assertEqual(status(stranger), 400, "a foreign Host (DNS rebinding) is refused")

    def test_1_ready_call_crash_recover_and_close(self):
        shown = await_ready(self.session)
        self.assertRegex(shown["url"], r"^http://127\.0\.0\.1:\d+$")
        self.assert_backend_refuses_strangers(shown["url"])
        # A PEX serves in the sidecar's own process; a PyInstaller one-file binary in a child of
        # its bootloader, in the same process group, which the plugin stops as a whole.
        self.assertIn(shown["server_pid"], group_members(shown["pid"]), "the server is in the sidecar's group")
        two = "a bootloader and its server" if shown["server_pid"] != shown["pid"] else "one process"
        log(f"the sidecar runs as {two}")
        self.assertIn("hello 1", echo(self.session, "hello 1"))
        # The page read the kept lines once, at load; this one can only come by its output stream
        # (`onLog`, over `watch_logs`), as the sidecar logs the request.
        self.session.wait_text("#logs", r'"POST /api/echo HTTP/1\.1" 200')

        transitions = crash_and_recover(self.session)
        self.assertRegex(transitions, r"ready → restarting → starting → ready$")
        again = await_ready(self.session)
        self.assertNotEqual(again["pid"], shown["pid"], "a new process serves after the crash")
        self.assertTrue(wait_exit(shown["pid"], 0), "the crashed process is gone")
        self.assertEqual(self.session.text("#restarts"), "1")
        self.assertIn("hello 2", echo(self.session, "hello 2"))
        screenshot = self.session.screenshot(ARTIFACTS / "python-backend.png")
        log(f"screenshot after the recovery: {screenshot}")

        app = self.the_app()
        quit_app(self.session)
        self.assertTrue(wait_exit(app), "the app exits when its window closes")
        self.assert_no_sidecar_left(again, within=0)
        log("window closed: the app exited and no process of the sidecar is left")

    def test_4_a_request_sent_while_the_backend_restarts_is_answered_by_the_new_process(self):
        # passSocket: the plugin holds the listening socket (and the token) across restarts.
        shown = await_ready(self.session)
        token = self.session.run_async(
            "const done = arguments[0]; window.__TAURI__.sidecar.getBackend().then((b) => done(b.token))"
        )
        port = int(shown["url"].rsplit(":", 1)[1])

        def request(method, path):
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=PATIENCE_S)
            connection.request(method, path, headers={"Authorization": f"Bearer {token}"})
            try:
                response = connection.getresponse()
                return response.status, response.read()
            except (http.client.HTTPException, OSError):
                return None, b""  # the crash ends this connection without an answer
            finally:
                connection.close()

        request("POST", "/api/crash")
        self.assertTrue(wait_exit(shown["server_pid"]), "the backend crashed")
        status, body = request("GET", "/api/info")  # sent while nothing serves the port
        self.assertEqual(status, 200, body)
        answered_by = json.loads(body)["pid"]
        self.assertNotEqual(answered_by, shown["server_pid"], "answered by the new process")
        # The page reloads its data when the status says ready again.
        self.session.wait_text("#server-pid", f"^{answered_by}$")
        self.assertEqual(self.session.text("#url"), shown["url"], "the same URL after the restart")
        log(f"a request sent during the restart was answered by the new process {answered_by}")

    def signal_the_ready_app(self, number):
        """Sends signal `number` to the app once its backend is ready; returns what the page
        showed, after the app has ended."""
        shown = await_ready(self.session)
        app = self.the_app()
        os.kill(app, number)
        self.assertTrue(wait_exit(app), f"the app ends on signal {number}")
        return shown

    def test_2_sigterm_to_the_app_stops_the_sidecar_gracefully(self):
        shown = self.signal_the_ready_app(signal.SIGTERM)
        self.assert_no_sidecar_left(shown, within=0)
        output = self.driver.output()
        for line in ("Shutting down", "Application shutdown complete", "Finished server process"):
            self.assertIn(line, output, "uvicorn logged its graceful shutdown")
        log("SIGTERM: uvicorn shut down gracefully, no process of the sidecar is left")

    def test_5_a_streamed_answer_and_a_websocket_and_a_graceful_stop_while_it_is_open(self):
        shown = await_ready(self.session)
        self.session.click("#stream-button")
        streamed = self.session.wait_text("#stream-result", r"one word at a time $")
        log(f"streamed: {streamed!r}")
        self.session.click("#ws-button")
        echoed = self.session.wait_text("#ws-result", r"^echo: hello over a WebSocket$")
        log(f"WebSocket (the token in its subprotocol): {echoed!r}")
        # The WebSocket stays open while the app is told to end: the sidecar still stops
        # gracefully, its lifespan shutdown included, within the plugin's shutdown timeout.
        app = self.the_app()
        os.kill(app, signal.SIGTERM)
        self.assertTrue(wait_exit(app), "the app ends on SIGTERM")
        self.assert_no_sidecar_left(shown, within=0)
        output = self.driver.output()
        self.assertIn("Application shutdown complete", output, "the lifespan shutdown ran")
        self.assertIn("stopped (exited after SIGTERM", output, "a graceful stop, not a kill")
        log("SIGTERM with a WebSocket open: the sidecar stopped gracefully, nothing left")

    def test_3_sigkill_to_the_app_leaves_no_sidecar(self):
        shown = self.signal_the_ready_app(signal.SIGKILL)
        self.assert_no_sidecar_left(shown, within=SHORTLY_S)
        log("SIGKILL: no process of the sidecar is left")


if __name__ == "__main__":
    unittest.main(verbosity=2)

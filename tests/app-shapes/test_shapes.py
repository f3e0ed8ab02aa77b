"""The plugin in the shapes real Tauri apps have, each a binary of this crate started as a user
starts it (under a display: `xvfb-run -a`), its sidecar a stdlib Python server that logs
"shutting down" when SIGTERM ends it gracefully and starts two processes that leave its process
group (a `setsid` child and a double-forked daemon). Each test ends the app one way and checks
the app's exit status, the sidecar's graceful shutdown, and that no process of it is left.

Build first (scripts/e2e does): the shapes into the example's target directory, profile e2e.
Everything is awaited on the app's log lines or on process exits (pidfd); nothing sleeps.
"""
import os
import queue
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
import unittest
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path.insert(0, str(ROOT / "examples" / "python-backend" / "e2e"))

from harness import PATIENCE_S, log, port_is_free, wait_exit, wait_group_gone  # noqa: E402

BINARIES = ROOT / "examples" / "python-backend" / "src-tauri" / "target" / "e2e"
FIXTURES = ROOT / "tests" / "fixtures"
#: After the app is gone, the in-group watchdog ends what a SIGKILL-free exit left; this long.
SHORTLY_S = 10
#: The processes that left the sidecar's group are gone this soon after the app is told to end
#: (the stop asks them with SIGTERM; they do not ignore it) ...
ESCAPEES_GONE_AFTER_STOP_S = 5
#: ... and this soon after the app's SIGKILL (the watchdog kills them).
ESCAPEES_GONE_AFTER_SIGKILL_S = 3
ESCAPED = (r"escaped setsid pid (\d+)", r"escaped daemon pid (\d+)")

STARTED = re.compile(r"sidecar `(\w+)`: started, pid (\d+), port (\d+)")
GRACEFUL = "sidecar `main`: stopped (exited after SIGTERM"


class App:
    """One running shape. Its log (stderr, shared by an instance it restarts) is read line by
    line on a thread; `until` awaits a line."""

    def __init__(self, shape, action="", ignore_sighup=False, cwd=FIXTURES, before_exec=None):
        env = dict(os.environ, SHAPE_ACTION=action, RUST_LOG="info")

        def launcher_ignores_sighup():
            signal.signal(signal.SIGHUP, signal.SIG_IGN)

        if ignore_sighup:
            before_exec = launcher_ignores_sighup

        self.process = subprocess.Popen(
            [str(BINARIES / shape)],
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
            preexec_fn=before_exec,
        )
        self.seen = []
        self.signalled_at = None
        self._lines = queue.Queue()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self):
        with self.process.stderr:
            for line in self.process.stderr:
                self._lines.put(line.rstrip("\n"))
        self._lines.put(None)

    def until(self, pattern):
        """The first match of `pattern` in a line not read yet; fails quoting the last lines."""
        regex = re.compile(pattern)
        while True:
            try:
                line = self._lines.get(timeout=PATIENCE_S)
            except queue.Empty:
                line = None
            if line is None:
                tail = "\n".join(self.seen[-25:])
                raise AssertionError(f"no line matched {pattern!r}; last lines:\n{tail}")
            self.seen.append(line)
            match = regex.search(line)
            if match:
                return match

    def until_each(self, patterns):
        """The first match of each of `patterns`, in whatever order their lines come."""
        found = {}
        while len(found) < len(patterns):
            line = self.until("|".join(f"(?:{p})" for p in patterns if p not in found)).string
            for pattern in patterns:
                match = re.search(pattern, line)
                if pattern not in found and match:
                    found[pattern] = match
        return [found[p] for p in patterns]

    def log_text(self):
        """Every line read so far, and what is left once the log has ended."""
        while True:
            try:
                line = self._lines.get(timeout=PATIENCE_S)
            except queue.Empty:
                break
            if line is None:
                self._lines.put(None)
                break
            self.seen.append(line)
        return "\n".join(self.seen)

    def signal(self, number):
        log(f"signal {number} to the app (pid {self.process.pid})")
        self.signalled_at = time.monotonic()
        os.kill(self.process.pid, number)

    def exit_status(self):
        try:
            return self.process.wait(PATIENCE_S)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"the app did not exit; last lines:\n" + "\n".join(self.seen[-25:]))

    def kill(self):
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()


def sidecar_of(started, escaped):
    """The sidecar that a STARTED line and the lines of ESCAPED describe."""
    return {
        "pid": int(started[2]),
        "port": int(started[3]),
        "escaped": [int(match[1]) for match in escaped[: len(ESCAPED)]],
    }


class ShapeTest(unittest.TestCase):
    shape = None

    def start(self, action="", **options):
        app = App(self.shape, action, **options)
        self.addCleanup(app.kill)
        started = app.until(STARTED)
        self.sidecar = sidecar_of(started, app.until_each([*ESCAPED, r"page: backend ready at"]))
        log(f"{self.shape}: ready, sidecar pid {self.sidecar['pid']}, escaped {self.sidecar['escaped']}")
        return app

    def assert_stopped_gracefully_and_gone(self, app, sidecar=None):
        sidecar = sidecar or self.sidecar
        asked_at = app.signalled_at or time.monotonic()
        output = app.log_text()
        self.assertIn("sidecar::main] shutting down", output, "the sidecar shut down on SIGTERM")
        self.assertIn(GRACEFUL, output)
        self.assertTrue(wait_exit(sidecar["pid"], 0), "the sidecar ended before the app")
        self.assertEqual(wait_group_gone(sidecar["pid"], SHORTLY_S), [], "processes left in its group")
        self.assert_escaped_gone(sidecar, asked_at + ESCAPEES_GONE_AFTER_STOP_S)
        self.assertTrue(port_is_free(sidecar["port"]), "its port is free")

    def assert_escaped_gone(self, sidecar, deadline):
        for pid in sidecar["escaped"]:
            left = max(0.0, deadline - time.monotonic())
            self.assertTrue(wait_exit(pid, left), f"process {pid}, outside the sidecar's group, is left")

    def ends_gracefully_on(self, number, **options):
        """Signal `number` to the ready app ends it with 128 + `number`, the sidecar gracefully."""
        app = self.start(**options)
        app.signal(number)
        self.exits_with(app, 128 + number)
        self.assert_stopped_gracefully_and_gone(app)

    def exits_with(self, app, status):
        self.assertEqual(app.exit_status(), status)
        log(f"{self.shape}: exited with status {status}")


class TokioMain(ShapeTest):
    """#[tokio::main] with tauri::async_runtime::set: no block_on anywhere on the exit path."""

    shape = "tokio-main"

    def test_closing_the_window(self):
        app = self.start("close-window")
        self.exits_with(app, 0)
        self.assert_stopped_gracefully_and_gone(app)

    def test_sigterm(self):
        self.ends_gracefully_on(signal.SIGTERM)

    def test_sigint(self):
        self.ends_gracefully_on(signal.SIGINT)

    def test_sigkill(self):
        # Nothing of the app runs after SIGKILL: the sidecar dies of its parent-death signal, the
        # watchdog in its group kills the rest of the group and what left it.
        app = self.start()
        app.signal(signal.SIGKILL)
        self.exits_with(app, -signal.SIGKILL)
        self.assertTrue(wait_exit(self.sidecar["pid"]), "the sidecar ended with the app")
        self.assertEqual(wait_group_gone(self.sidecar["pid"], SHORTLY_S), [], "processes left in its group")
        self.assert_escaped_gone(self.sidecar, app.signalled_at + ESCAPEES_GONE_AFTER_SIGKILL_S)

    def test_a_production_build_starts_in_a_deleted_directory(self):
        # The app runs in a directory removed before it starts: a production build must not need
        # it. The sidecar's relative script is not found there, which is the sidecar's problem.
        gone = tempfile.mkdtemp()

        def enter_and_delete():
            os.chdir(gone)
            os.rmdir(gone)

        app = App(self.shape, cwd="/", before_exec=enter_and_delete)
        self.addCleanup(app.kill)
        app.until(r"sidecar `main`: started, pid")
        app.until(r"sidecar `main`: exited with status \d+ before it became ready")
        self.assertIsNone(app.process.poll(), "the app runs")


class VetoesExit(ShapeTest):
    """An app that refuses every exit request must still end on a stop signal."""

    shape = "vetoes-exit"

    def test_a_closed_window_is_refused_then_sigterm_ends_the_app(self):
        app = self.start("close-window")
        app.until(r"exit requested \(code None\): refused")
        self.assertIsNone(app.process.poll(), "the app runs on without a window")
        app.signal(signal.SIGTERM)
        self.exits_with(app, 128 + signal.SIGTERM)
        self.assert_stopped_gracefully_and_gone(app)

    def test_sigint(self):
        self.ends_gracefully_on(signal.SIGINT)

    def test_sighup(self):
        self.ends_gracefully_on(signal.SIGHUP)

    def test_a_sighup_the_launcher_ignores_stays_ignored(self):
        app = self.start(ignore_sighup=True)
        app.signal(signal.SIGHUP)
        app.signal(signal.SIGTERM)
        # Had SIGHUP been watched, it would have ended the app with 129.
        self.exits_with(app, 128 + signal.SIGTERM)
        self.assert_stopped_gracefully_and_gone(app)

    def test_a_second_signal_during_a_slow_stop_ends_the_app_at_once(self):
        # `stubborn` ignores SIGTERM and has a 600 s shutdown timeout: only the second signal
        # can end the app within the test's patience.
        app = self.start("start-stubborn")
        stubborn = app.until(r"sidecar `stubborn`: started, pid (\d+)")
        app.until(r"page: stubborn ready")
        app.signal(signal.SIGTERM)
        app.until(r"signal 15: stopping the sidecars")
        app.until(r"sidecar `main`: stopped")  # the stop is under way, held up by `stubborn`
        app.signal(signal.SIGINT)
        self.exits_with(app, 128 + signal.SIGINT)
        pid = int(stubborn[1])
        self.assertEqual(wait_group_gone(pid, SHORTLY_S), [], "the stubborn sidecar's group is ended")


class Traced(ShapeTest):
    """Tauri's tracing feature, a page streaming the status, app.exit(0) from a command."""

    shape = "traced"

    def test_exit_from_a_command_while_the_page_listens(self):
        app = self.start("exit-command")
        self.exits_with(app, 0)
        self.assert_stopped_gracefully_and_gone(app)

    def test_closing_the_window(self):
        app = self.start("close-window")
        self.exits_with(app, 0)
        self.assert_stopped_gracefully_and_gone(app)


class Restarts(ShapeTest):
    """AppHandle::restart() from an async command, on a runtime with one worker."""

    shape = "restarts"

    def test_the_sidecar_stops_before_the_new_instance_starts_its_own(self):
        app = self.start("restart")
        first = dict(self.sidecar)
        self.exits_with(app, 0)  # the first instance, once it has started the next
        restarted_at = time.monotonic()
        new_instance = int(app.until(r"shape\] app pid (\d+)")[1])
        started = app.until(STARTED)
        output = "\n".join(app.seen)
        self.assertLess(
            output.index(GRACEFUL), output.rindex("app pid"), "stopped before the new instance began"
        )
        self.assertTrue(wait_exit(first["pid"], 0), "the first sidecar is gone")
        self.assert_escaped_gone(first, restarted_at + ESCAPEES_GONE_AFTER_STOP_S)
        second = sidecar_of(started, app.until_each([*ESCAPED, r"page: backend ready at"]))
        log(f"restarted as pid {new_instance}, sidecar pid {second['pid']}")
        os.kill(new_instance, signal.SIGTERM)
        self.assertTrue(wait_exit(new_instance), "the new instance ends on SIGTERM")
        self.assert_stopped_gracefully_and_gone(app, second)


if __name__ == "__main__":
    unittest.main(verbosity=2)

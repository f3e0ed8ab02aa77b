"""Step 7 of the quick start, as the README writes it: `npm run tauri dev` under Xvfb, in the
quick-start app whose backend cannot import a module. The terminal must show the backend's
traceback; once `backend/app.py` is the README's, the plugin must restart the failed backend by
itself and say it is ready. Ctrl-C (SIGINT to the process group, as a terminal sends it) must
end it all, the backend included. Every wait is on a line of the terminal or a process's exit.

Run by scripts/check-quick-start from the app's directory, with the README's app.py as argv[1]
and the arguments for `npm run tauri dev` after it."""
import os
import queue
import re
import shutil
import signal
import subprocess
import sys
import threading
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "examples" / "python-backend" / "e2e"))

from harness import PATIENCE_S, log, wait_exit  # noqa: E402

BUILD_PATIENCE_S = 900  # `tauri dev` compiles the app first


class Terminal:
    """What `npm run tauri dev` prints, line by line, read on a thread of its own."""

    def __init__(self, command):
        self.process = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            text=True, errors="replace", start_new_session=True,
        )
        self.seen = []
        self._lines = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.process.stdout:
            self._lines.put(line.rstrip("\n"))
        self._lines.put(None)

    def until(self, pattern, patience=PATIENCE_S):
        regex = re.compile(pattern)
        while True:
            try:
                line = self._lines.get(timeout=patience)
            except queue.Empty:
                line = None
            if line is None:
                tail = "\n".join(self.seen[-30:])
                raise AssertionError(f"the terminal never showed /{pattern}/; last lines:\n{tail}")
            self.seen.append(line)
            if regex.search(line):
                return line


def backends(app_dir):
    """Pids of processes running the app's backend (`app.py` in `backend/`)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                cwd = os.readlink(entry / "cwd")
                cmdline = (entry / "cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            if cwd == str(app_dir / "backend") and b"app.py" in cmdline:
                found.append(int(entry.name))
    return found


def main():
    readme_app_py, dev_args = Path(sys.argv[1]), sys.argv[2:]
    app_dir = Path.cwd()
    terminal = Terminal(["xvfb-run", "-a", "npm", "run", "tauri", "dev", *dev_args])
    try:
        terminal.until(r"^backend \| \[sidecar\] started, pid", BUILD_PATIENCE_S)
        line = terminal.until(r"^backend \| ModuleNotFoundError: No module named")
        log(f"the terminal shows the backend's traceback: {line!r}")

        shutil.copy(readme_app_py, app_dir / "backend" / "app.py")
        terminal.until(r"^backend \| \[sidecar\] source changed: app\.py; restarting")
        line = terminal.until(r"^backend \| \[sidecar\] ready at http://127\.0\.0\.1:\d+")
        log(f"app.py fixed: the plugin restarted the backend by itself: {line!r}")
    finally:
        running = backends(app_dir)
        os.killpg(terminal.process.pid, signal.SIGINT)
        try:
            terminal.process.wait(PATIENCE_S)
        except subprocess.TimeoutExpired:
            os.killpg(terminal.process.pid, signal.SIGKILL)
            raise AssertionError("`npm run tauri dev` did not end on Ctrl-C")
    left = [pid for pid in running if not wait_exit(pid, PATIENCE_S)] + backends(app_dir)
    assert left == [], f"backend processes left after Ctrl-C: {left}"
    log("Ctrl-C ended `npm run tauri dev` and left no backend")


if __name__ == "__main__":
    main()

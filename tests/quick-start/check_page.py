"""The quick-start app, run as `tauri dev` runs it: the Vite dev server first (its
`beforeDevCommand`), then the app from `src-tauri/`, through tauri-driver under Xvfb. The page must
show the Python backend's answer; SIGTERM to the app must leave no process of the backend; the
terminal must show the backend's output.
`scripts/check-quick-start` builds the app and runs this with E2E_APP and E2E_APP_CWD set."""
import os
import signal
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "examples" / "python-backend" / "e2e"))

from harness import APP, APP_CWD, PATIENCE_S, app_pids, log, open_app, wait_exit, wait_group_gone  # noqa: E402


def dev_server(app_dir):
    """`npm run dev` (Vite on port 1420), returned once it says it is ready (an event, not a poll)."""
    server = subprocess.Popen(
        ["npm", "run", "dev", "--", "--port", "1420", "--strictPort"],
        cwd=app_dir, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True,
    )
    for line in server.stdout:
        if "ready in" in line:
            return server
    raise RuntimeError("the Vite dev server did not start")


def backend_of(app):
    """The pid of the app's child that runs the backend (`.venv/bin/python app.py`)."""
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
                cmdline = (entry / "cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            parent = int(stat.rsplit(")", 1)[1].split()[1])
            if parent == app and b"app.py" in cmdline:
                return int(entry.name)
    raise RuntimeError("the app runs no backend")


def main():
    server = dev_server(Path(APP_CWD).parent)
    driver, session = open_app("quick-start", APP)
    try:
        shown = session.wait_text("#greet-msg", r"Hello from Python")
        log(f"the page shows the backend's answer: {shown!r}")
        [app] = app_pids(APP)
        backend = backend_of(app)
        os.kill(app, signal.SIGTERM)
        assert wait_exit(app, PATIENCE_S), "the app ends on SIGTERM"
        left = wait_group_gone(backend, PATIENCE_S)
        assert left == [], f"processes of the backend left: {left}"
        log("SIGTERM: the app exited and no process of the backend is left")
        # The template installs no logger: in a development build the backend's output and the
        # plugin's lines about it reach the terminal all the same.
        terminal = driver.log_path.read_text(errors="replace")
        for line in ("backend | INFO:     Uvicorn running on", "backend | [sidecar] ready at http://127.0.0.1:"):
            assert line in terminal, f"the terminal does not show {line!r}:\n{terminal[-3000:]}"
        log("the terminal shows the backend's output and the plugin's lines, prefixed `backend | `")
    finally:
        session.end()
        driver.stop()
        os.killpg(server.pid, signal.SIGTERM)
        server.wait()


if __name__ == "__main__":
    main()

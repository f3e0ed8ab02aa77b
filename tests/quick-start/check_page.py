"""The quick-start app's page, through tauri-driver under Xvfb, in two modes:

- `dev`: the app that `npm run tauri dev` built, run as it runs it (the Vite dev server first, its
  `beforeDevCommand`; the app from `src-tauri/`). The page must show the Python backend's answer;
  after an edit of `backend/app.py`, and nothing else, Greet must show the new answer.
- `installed`: the app installed from the `.deb` of step 8, run with no Python on PATH (E2E_APP,
  E2E_APP_PATH, E2E_APP_CWD). The page must show the packaged backend's answer.

Either way, SIGTERM to the app must leave no process of the backend.
`scripts/check-quick-start` runs this with E2E_APP and E2E_APP_CWD set."""
import contextlib
import os
import signal
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "examples" / "python-backend" / "e2e"))

from harness import APP, APP_CWD, PATIENCE_S, app_pids, log, open_app, wait_exit, wait_group_gone  # noqa: E402

ANSWER = "Hello from Python"
EDITED = "Hello again from Python"


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


def backend_of(app, marker):
    """The pid of the app's child whose command line has `marker` (the backend)."""
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
                cmdline = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            parent = int(stat.rsplit(")", 1)[1].split()[1])
            if parent == app and marker.encode() in cmdline:
                return int(entry.name)
    raise RuntimeError(f"the app runs no backend ({marker})")


def edit_and_greet(session, app, app_dir):
    """Changes the answer in backend/app.py; once the backend the plugin ran has exited for the
    restart, Greet (whose request waits until the new one is ready) must show the new answer."""
    before = backend_of(app, "app.py")
    source = app_dir / "backend" / "app.py"
    source.write_text(source.read_text().replace(ANSWER, EDITED))
    assert wait_exit(before, PATIENCE_S), "the backend restarts when app.py changes"
    session.click("#greet-form button")
    shown = session.wait_text("#greet-msg", EDITED)
    log(f"app.py edited, Greet clicked: the page shows {shown!r}")


def main():
    mode = sys.argv[1]
    server = dev_server(Path(APP_CWD).parent) if mode == "dev" else None
    driver, session = open_app(f"quick-start-{mode}", APP)
    try:
        shown = session.wait_text("#greet-msg", ANSWER)
        log(f"the page shows the backend's answer: {shown!r}")
        [app] = app_pids(APP)
        if mode == "dev":
            edit_and_greet(session, app, Path(APP_CWD).parent)
        backend = backend_of(app, "app.py" if mode == "dev" else "my-app-backend")
        os.kill(app, signal.SIGTERM)
        assert wait_exit(app, PATIENCE_S), "the app ends on SIGTERM"
        left = wait_group_gone(backend, PATIENCE_S)
        assert left == [], f"processes of the backend left: {left}"
        log("SIGTERM: the app exited and no process of the backend is left")
    finally:
        session.end()
        driver.stop()
        if server is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(server.pid, signal.SIGTERM)
            server.wait()


if __name__ == "__main__":
    main()

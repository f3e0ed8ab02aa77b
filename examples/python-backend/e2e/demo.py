"""One scripted round with the example app where there is no display (run under Xvfb): ready,
call, crash, recover, quit. Prints what happens and saves a screenshot."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import ARTIFACTS, app_pids, log, open_app, wait_exit, wait_group_gone  # noqa: E402
from round import await_ready, crash_and_recover, echo, quit_app  # noqa: E402


def main():
    log("starting the app through tauri-driver (WebKitWebDriver)")
    driver, session = open_app("demo")
    try:
        shown = await_ready(session)
        echo(session, "hello from the demo")
        crash_and_recover(session)
        again = await_ready(session)
        log(f"recovered: new sidecar pid {again['pid']} (was {shown['pid']}), restarts {session.text('#restarts')}")
        echo(session, "hello again")
        log(f"screenshot saved: {session.screenshot(ARTIFACTS / 'demo.png')}")
        [app] = app_pids()
        quit_app(session)
        exited = wait_exit(app)
        left = wait_group_gone(again["pid"], 10)
        log(f"app exited: {exited}; processes left of the sidecar: {left or 'none'}")
        return 0 if exited and not left else 1
    finally:
        session.end()
        driver.stop()
        log(f"app and driver output: {driver.log_path}")


if __name__ == "__main__":
    sys.exit(main())

"""The steps of one round with the example app, shared by the end-to-end tests and the demo."""
import re

from harness import WebDriverError, log


def await_ready(session):
    """Waits until the page shows `ok` from /api/health; returns what the page shows."""
    session.wait_text("#health", r"^ok$")
    shown = {
        "url": session.text("#url"),
        "pid": int(session.text("#pid")),
        "server_pid": int(session.wait_text("#server-pid", r"^\d+$")),
        "python": session.wait_text("#python", r"^\d+\.\d+"),
    }
    log(f"ready: health ok at {shown['url']}, sidecar pid {shown['pid']}, Python {shown['python']}")
    return shown


def echo(session, text):
    """Sends `text` through /api/echo from the page; returns the page's result line."""
    session.run("document.querySelector('#echo-result').textContent = ''")
    session.run("document.querySelector('#echo-input').value = arguments[0]", text)
    session.click("#echo-button")
    result = session.wait_text("#echo-result", re.escape(text))
    log(f"echo: {result}")
    return result


def crash_and_recover(session):
    """Clicks "Crash the backend"; waits until the page has seen `restarting` then `ready`
    through onStatus and shows `ok` again. Returns the transitions the page saw."""
    session.click("#crash-button")
    log("crash button clicked")
    transitions = session.wait_text("#transitions", r"ready → restarting → starting → ready$")
    log(f"status events seen by the page: {transitions}")
    return transitions


def quit_app(session):
    """Clicks the page's Quit button (Tauri's window close: the app exits when its last window
    closes). The window, and with it the WebDriver browsing context, may be gone before the click
    is answered: the caller checks that the app exits."""
    try:
        session.click("#quit-button")
        log("quit button clicked")
    except WebDriverError:
        log("quit button clicked (the window closed before WebDriver answered)")

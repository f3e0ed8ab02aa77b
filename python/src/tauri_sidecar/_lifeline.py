"""The lifeline: the plugin holds the write end of the sidecar's standard input open for the
sidecar's life. End of file means "stop now, gracefully": the plugin closed it to stop the
sidecar, or the app is gone (the OS closes it however the app dies, on every OS)."""
import os
import signal
import stat
import sys
import threading
from typing import Callable, Optional


def _raise_sigterm() -> None:
    signal.raise_signal(signal.SIGTERM)


def watch_lifeline(on_close: Optional[Callable[[], None]] = None, fd: int = 0) -> bool:
    """Calls ``on_close`` (default: raise SIGTERM in this process, so that the server's own
    graceful shutdown runs) from a daemon thread when descriptor ``fd`` (standard input) reaches
    end of file. Returns ``False`` and watches nothing when ``fd`` is not a pipe (a terminal or
    ``/dev/null``: not started by the plugin). Whatever arrives on the pipe is discarded."""
    try:
        if not stat.S_ISFIFO(os.fstat(fd).st_mode):
            return False
    except OSError:
        return False
    callback = on_close or _raise_sigterm

    def wait_for_end_of_file() -> None:
        try:
            while os.read(fd, 4096):
                pass
        except OSError:
            pass
        print("tauri-sidecar: standard input closed (the app stopped this sidecar or exited); shutting down",
              file=sys.stderr, flush=True)
        callback()

    threading.Thread(target=wait_for_end_of_file, name="tauri-sidecar-lifeline", daemon=True).start()
    return True

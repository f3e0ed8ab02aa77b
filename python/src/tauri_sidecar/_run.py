"""Serving an ASGI app as a sidecar, with uvicorn (``pip install "tauri-sidecar[uvicorn]"``)."""
import os
import socket
import sys
import inspect
from typing import Any, Iterable, Mapping, Optional, Union

from ._contract import config
from ._guard import guard
from ._health import Ready, health
from ._lifeline import watch_lifeline
from ._types import ASGIApp, WSGIApp

#: systemd's socket-activation variables, read once and then removed, as sd_listen_fds(1) does.
LISTEN_VARIABLES = ("LISTEN_FDS", "LISTEN_PID", "LISTEN_FDNAMES")


def line_buffered_output() -> None:
    """Makes ``print`` and logging reach the plugin line by line, even when output is a pipe."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(line_buffering=True)


def run(
    app: Union[ASGIApp, WSGIApp],
    *,
    ready: Optional[Ready] = None,
    port: Optional[int] = None,
    origins: Iterable[str] = (),
    log_level: str = "info",
    **uvicorn_options: Any,
) -> None:
    """Serves ``app``, ASGI (FastAPI, Starlette, Django's ASGI handler) or WSGI (Flask,
    Django's WSGI handler, through a2wsgi: ``tauri-sidecar[wsgi]``), until the plugin stops it.

    - On the socket the plugin handed over (``passSocket``), else on 127.0.0.1 and the port
      from the environment; outside the plugin on ``port``, ``$PORT`` or 8000.
    - Behind :func:`tauri_sidecar.guard` (Host, token, CORS for the webview and ``origins``).
    - With the health route the plugin probes, answering ``starting`` while ``ready()`` (sync or
      async) returns false.
    - Shuts down gracefully on SIGTERM, SIGINT, SIGBREAK (Windows) and at the end of the
      lifeline (standard input). As uvicorn does, a signal is raised again once the server has
      shut down, so the exit status names it (SIGINT: status 130).
    - Under the plugin, open connections (a streamed response, a WebSocket) get half of the
      plugin's ``shutdownTimeoutMs`` to end, then are closed, so that the app's own shutdown
      (the lifespan's) runs before the plugin would kill the process.
    - ``uvicorn_options`` go to ``uvicorn.Config``, except those that cannot work under the
      plugin (``host``, ``fd``, ``uds``, ``reload``, ``workers``), which are refused, saying why.
    """
    _refuse_what_cannot_work(uvicorn_options)
    try:
        import uvicorn
    except ImportError:
        raise SystemExit(
            'tauri_sidecar.run needs uvicorn: pip install "tauri-sidecar[uvicorn]"'
        ) from None
    line_buffered_output()
    cfg = config(port=port)
    if not cfg.supervised:
        print(
            f"tauri-sidecar: not started by tauri-plugin-sidecar (no TAURI_SIDECAR): serving on "
            f"{cfg.url}, without a token (port from the argument, else $PORT, else 8000)",
            file=sys.stderr,
        )
    if cfg.shutdown_timeout is not None:
        uvicorn_options["timeout_graceful_shutdown"] = _graceful_budget(
            cfg.shutdown_timeout, uvicorn_options.get("timeout_graceful_shutdown")
        )
    # h11 refuses a request whose head passes 16 KiB; httptools, which uvicorn prefers when it
    # is installed, buffers a head of any size before the guard can look at it.
    uvicorn_options.setdefault("http", "h11")
    served = guard(health(_as_asgi(app), cfg.health_path, ready), cfg, origins)
    server = uvicorn.Server(
        uvicorn.Config(served, host="127.0.0.1", port=cfg.port, log_level=log_level, **uvicorn_options)
    )
    if cfg.supervised:
        watch_lifeline(lambda: setattr(server, "should_exit", True))
    sockets = None
    if cfg.socket_fd is not None:
        # The socket outlives this process: requests made while it (re)started wait in its backlog.
        sockets = [inherited_socket(cfg.socket_fd)]
    try:
        server.run(sockets=sockets)
    except KeyboardInterrupt:
        # uvicorn re-raises SIGINT once it has shut down; Ctrl-C needs no traceback.
        sys.exit(130)


def _graceful_budget(shutdown_timeout: float, asked: Optional[float]) -> float:
    """How long uvicorn lets open connections run once asked to stop: half of the plugin's
    shutdown timeout, the other half for the app's shutdown; a shorter ``asked`` is kept."""
    budget = shutdown_timeout / 2
    if asked is None:
        return budget
    if asked > budget:
        raise ValueError(
            f"timeout_graceful_shutdown={asked} leaves the app's shutdown no time: the plugin "
            f"kills the server {shutdown_timeout:g} s after asking it to stop (shutdownTimeoutMs "
            f"in tauri.conf.json); give connections at most {budget:g} s, or raise "
            f"shutdownTimeoutMs"
        )
    return asked


def inherited_socket(fd: int) -> socket.socket:
    """The listening socket the plugin handed over as descriptor ``fd`` (``passSocket``), kept
    from the processes this one starts: the descriptor is made non-inheritable and the
    ``LISTEN_*`` variables are removed from the environment."""
    try:
        listener = socket.socket(fileno=fd)
    except OSError as error:
        raise SystemExit(
            f"tauri-sidecar: the plugin said it passed a listening socket as descriptor {fd} "
            f"(passSocket), but {fd} is not an open socket ({error}). Something between the "
            f"plugin and this process closed it: run the server directly, or set passSocket to "
            f"false in tauri.conf.json"
        ) from None
    os.set_inheritable(fd, False)
    for variable in LISTEN_VARIABLES:
        os.environ.pop(variable, None)
    return listener


#: uvicorn options that cannot work under the plugin, and why.
_REFUSED = {
    "host": "the plugin reaches the server on 127.0.0.1, and any other address would open it "
    "to the network",
    "fd": "the plugin hands over its listening socket itself, with passSocket",
    "uds": "the plugin reaches the server over TCP on 127.0.0.1",
    "reload": "the plugin restarts the sidecar itself when its sources change (`watch`, in "
    "development builds)",
    "workers": "run() serves in one process, which the plugin supervises; run more processes as "
    "sidecars of their own",
}


def _refuse_what_cannot_work(uvicorn_options: Mapping[str, Any]) -> None:
    for option, why in _REFUSED.items():
        if option in uvicorn_options:
            raise ValueError(f"tauri_sidecar.run does not take {option}=: {why}")


def _is_asgi(app: object) -> bool:
    """Whether ``app`` is an ASGI callable (a coroutine function, or an object whose ``__call__``
    is one), as uvicorn tells ASGI 3 from WSGI."""
    return inspect.iscoroutinefunction(app) or inspect.iscoroutinefunction(
        getattr(app, "__call__", None)
    )


def _as_asgi(app: Union[ASGIApp, WSGIApp]) -> ASGIApp:
    """``app`` itself when it is ASGI; a WSGI app behind a2wsgi, which runs it in threads."""
    if _is_asgi(app):
        return app  # type: ignore[return-value]
    try:
        from a2wsgi import WSGIMiddleware
    except ImportError:
        raise SystemExit(
            'tauri_sidecar.run serves a WSGI app (Flask, Django) with a2wsgi: '
            'pip install "tauri-sidecar[wsgi]"'
        ) from None
    return WSGIMiddleware(app)  # type: ignore[arg-type, return-value]

"""Makes any ASGI or WSGI app a well-behaved sidecar of a Tauri app supervised by
tauri-plugin-sidecar: the contract (:func:`config`), the request checks (:func:`guard`,
:func:`wsgi_guard`), the health route (:func:`health`), the lifeline (:func:`watch_lifeline`), and
a runner (:func:`run`, with uvicorn). See the README for the contract."""
from ._contract import CONTRACT_VERSION, Config, ContractError, Dependency, config
from ._guard import WEBVIEW_ORIGINS, guard, wsgi_guard
from ._health import health
from ._lifeline import watch_lifeline
from ._run import line_buffered_output, run

__version__ = "0.1.0"

__all__ = [
    "CONTRACT_VERSION",
    "Config",
    "ContractError",
    "Dependency",
    "WEBVIEW_ORIGINS",
    "config",
    "guard",
    "health",
    "line_buffered_output",
    "run",
    "watch_lifeline",
    "wsgi_guard",
]

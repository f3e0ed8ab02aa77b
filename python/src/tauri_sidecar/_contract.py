"""The contract between tauri-plugin-sidecar and the sidecar it starts (version 1).

The plugin sets, for every start:

- ``TAURI_SIDECAR``: JSON without secrets,
  ``{"v": 1, "name", "portEnv", "tokenEnv", "healthPath", "socketFd", "origins",
  "shutdownTimeoutMs", "dependencies"}``;
- for each sidecar in ``dependsOn``, the variables that ``dependencies`` names: its URL and, when
  it has one, its token;
- the variable named by ``portEnv``: the port to serve on 127.0.0.1;
- the variable named by ``tokenEnv`` (when it is not null): the bearer token every request carries;
- with ``passSocket``, a listening socket as descriptor ``socketFd`` (3), with systemd's
  ``LISTEN_FDS``/``LISTEN_PID``/``LISTEN_FDNAMES``;
- standard input: the lifeline, a pipe that reaches end of file when the app stops the sidecar or
  dies.
"""
import json
import os
from dataclasses import dataclass, field
from typing import Any, Dict, Mapping, Optional, Tuple, Type, TypeVar

#: The contract version this package speaks.
CONTRACT_VERSION = 1
#: The variable holding the contract.
CONTRACT_VARIABLE = "TAURI_SIDECAR"
#: Where the health route is when the contract does not say.
DEFAULT_HEALTH_PATH = "/api/health"
#: The port used outside the plugin when neither an argument nor ``PORT`` gives one.
DEFAULT_PORT = 8000


_KINDS = {str: "a string", int: "an integer"}

T = TypeVar("T")


class ContractError(RuntimeError):
    """``TAURI_SIDECAR`` or the variables it names are not what this package understands."""


@dataclass(frozen=True)
class Dependency:
    """Where a sidecar this one depends on (``dependsOn``) is, for this start."""

    #: ``http://127.0.0.1:<port>``.
    url: str
    #: The bearer token its requests must carry, if it has one.
    token: Optional[str] = field(repr=False)


@dataclass(frozen=True)
class Config:
    """How this process was started: by the plugin (``supervised``) or by hand."""

    #: The sidecar's name in ``plugins.sidecar.sidecars`` (``None`` outside the plugin).
    name: Optional[str]
    #: The port to serve on, on 127.0.0.1.
    port: int
    #: The bearer token requests must carry, if any.
    token: Optional[str] = field(repr=False)
    #: The descriptor of the listening socket handed over (``passSocket``), if any.
    socket_fd: Optional[int]
    #: The path the plugin probes.
    health_path: str
    #: Whether tauri-plugin-sidecar started this process (``TAURI_SIDECAR`` is set).
    supervised: bool
    #: Where the app's pages load from besides the webview's own origins (the dev server's
    #: under ``tauri dev``), for CORS.
    origins: Tuple[str, ...] = ()
    #: How long, in seconds, the plugin waits after asking this process to stop before it kills
    #: it (``None`` outside the plugin, or from a plugin that does not say).
    shutdown_timeout: Optional[float] = None
    #: The sidecars this one depends on, by name: where each is and its token.
    dependencies: Mapping[str, Dependency] = field(default_factory=dict)

    @property
    def url(self) -> str:
        """``http://127.0.0.1:<port>``."""
        return f"http://127.0.0.1:{self.port}"


def config(environ: Optional[Mapping[str, str]] = None, port: Optional[int] = None) -> Config:
    """Reads the contract from ``environ`` (default: ``os.environ``).

    Outside the plugin (no ``TAURI_SIDECAR``), the port is ``port``, else ``$PORT``, else 8000,
    with no token and no socket, so that the backend can be run alone.
    """
    environ = os.environ if environ is None else environ
    raw = environ.get(CONTRACT_VARIABLE)
    if raw is None:
        return Config(
            name=None,
            port=port if port is not None else _port(environ.get("PORT", str(DEFAULT_PORT)), "PORT"),
            token=None,
            socket_fd=None,
            health_path=DEFAULT_HEALTH_PATH,
            supervised=False,
        )
    try:
        contract = json.loads(raw)
    except ValueError as error:
        raise ContractError(f"{CONTRACT_VARIABLE} is not JSON: {error}") from None
    if not isinstance(contract, dict) or contract.get("v") != CONTRACT_VERSION:
        version = contract.get("v") if isinstance(contract, dict) else None
        raise ContractError(
            f"{CONTRACT_VARIABLE} has contract version {version!r}; this tauri-sidecar "
            f"understands version {CONTRACT_VERSION}: use matching versions of the plugin and the package"
        )
    port_env = _required(contract, "portEnv", str)
    if port_env not in environ:
        raise ContractError(f"{CONTRACT_VARIABLE} names portEnv {port_env!r}, which is not set")
    token_env = _optional(contract, "tokenEnv", str)
    token = None
    if token_env is not None:
        token = environ.get(token_env)
        if not token:
            raise ContractError(f"{CONTRACT_VARIABLE} names tokenEnv {token_env!r}, which is not set")
    return Config(
        name=_required(contract, "name", str),
        port=_port(environ[port_env], port_env),
        token=token,
        socket_fd=_optional(contract, "socketFd", int),
        health_path=_optional(contract, "healthPath", str) or DEFAULT_HEALTH_PATH,
        supervised=True,
        origins=_origins(contract),
        shutdown_timeout=_seconds(_optional(contract, "shutdownTimeoutMs", int)),
        dependencies=_dependencies(contract, environ),
    )


def _required(contract: Mapping[str, Any], key: str, kind: Type[T]) -> T:
    value = contract.get(key)
    if not isinstance(value, kind) or isinstance(value, bool):
        raise ContractError(f"{CONTRACT_VARIABLE}.{key} must be {_KINDS[kind]}, not {value!r}")
    return value


def _optional(contract: Mapping[str, Any], key: str, kind: Type[T]) -> Optional[T]:
    return None if contract.get(key) is None else _required(contract, key, kind)


def _dependencies(contract: Mapping[str, Any], environ: Mapping[str, str]) -> Dict[str, Dependency]:
    named = contract.get("dependencies") or {}
    if not isinstance(named, dict):
        raise ContractError(f"{CONTRACT_VARIABLE}.dependencies must be an object, not {named!r}")
    found: Dict[str, Dependency] = {}
    for name, variables in named.items():
        url_env = variables.get("urlEnv") if isinstance(variables, dict) else None
        if not isinstance(url_env, str) or url_env not in environ:
            raise ContractError(
                f"{CONTRACT_VARIABLE}.dependencies.{name} names no URL variable that is set")
        token_env = variables.get("tokenEnv")
        token = environ.get(token_env) if isinstance(token_env, str) else None
        found[name] = Dependency(url=environ[url_env], token=token or None)
    return found


def _seconds(milliseconds: Optional[int]) -> Optional[float]:
    return None if milliseconds is None else milliseconds / 1000


def _origins(contract: Mapping[str, Any]) -> Tuple[str, ...]:
    origins = contract.get("origins") or []
    if not isinstance(origins, list) or not all(isinstance(o, str) for o in origins):
        raise ContractError(f"{CONTRACT_VARIABLE}.origins must be a list of strings, not {origins!r}")
    return tuple(origins)


def _port(text: str, variable: str) -> int:
    try:
        port = int(text)
    except ValueError:
        port = -1
    if not 0 < port < 65536:
        raise ContractError(f"{variable} must be a port number, not {text!r}")
    return port

import json

import pytest

from tauri_sidecar import Config, ContractError, Dependency, config


def contract(**overrides):
    fields = {"v": 1, "name": "api", "portEnv": "API_PORT", "tokenEnv": "API_TOKEN",
              "healthPath": "/api/health", "socketFd": None}
    fields.update(overrides)
    return json.dumps(fields)


def test_reads_the_contract_and_the_variables_it_names():
    cfg = config({"TAURI_SIDECAR": contract(socketFd=3, healthPath="/healthz", origins=["http://localhost:1420"]),
                  "API_PORT": "4123", "API_TOKEN": "secret"})
    assert cfg == Config(name="api", port=4123, token="secret", socket_fd=3,
                         health_path="/healthz", supervised=True, origins=("http://localhost:1420",))
    assert cfg.url == "http://127.0.0.1:4123"


def test_the_shutdown_timeout_and_the_dependencies_are_read():
    cfg = config({
        "TAURI_SIDECAR": contract(shutdownTimeoutMs=2500, dependencies={
            "db": {"urlEnv": "SIDECAR_DB_URL", "tokenEnv": "SIDECAR_DB_TOKEN"},
            "cache": {"urlEnv": "SIDECAR_CACHE_URL", "tokenEnv": "SIDECAR_CACHE_TOKEN"},
        }),
        "API_PORT": "4123", "API_TOKEN": "secret",
        "SIDECAR_DB_URL": "http://127.0.0.1:5000", "SIDECAR_DB_TOKEN": "db-secret",
        "SIDECAR_CACHE_URL": "http://127.0.0.1:5001",
    })
    assert cfg.shutdown_timeout == 2.5
    assert cfg.dependencies == {
        "db": Dependency(url="http://127.0.0.1:5000", token="db-secret"),
        "cache": Dependency(url="http://127.0.0.1:5001", token=None),
    }
    assert "db-secret" not in repr(cfg)
    with pytest.raises(ContractError, match="dependencies.db names no URL variable that is set"):
        config({"TAURI_SIDECAR": contract(dependencies={"db": {"urlEnv": "SIDECAR_DB_URL"}}),
                "API_PORT": "4123", "API_TOKEN": "secret"})


def test_the_token_never_shows_in_repr():
    cfg = config({"TAURI_SIDECAR": contract(), "API_PORT": "4123", "API_TOKEN": "secret"})
    assert "secret" not in repr(cfg)


def test_no_token_env_means_no_token():
    cfg = config({"TAURI_SIDECAR": contract(tokenEnv=None), "API_PORT": "4123"})
    assert cfg.token is None


@pytest.mark.parametrize("environ, port, expected", [
    ({}, None, 8000),
    ({"PORT": "9001"}, None, 9001),
    ({"PORT": "9001"}, 9002, 9002),
])
def test_outside_the_plugin_the_port_comes_from_the_argument_then_PORT(environ, port, expected):
    cfg = config(environ, port=port)
    assert (cfg.port, cfg.token, cfg.socket_fd, cfg.supervised) == (expected, None, None, False)
    assert cfg.health_path == "/api/health"


@pytest.mark.parametrize("environ, message", [
    ({"TAURI_SIDECAR": "{", "API_PORT": "1"}, "TAURI_SIDECAR is not JSON"),
    ({"TAURI_SIDECAR": contract(v=2), "API_PORT": "1", "API_TOKEN": "t"}, "contract version 2"),
    ({"TAURI_SIDECAR": contract(), "API_TOKEN": "t"}, "portEnv 'API_PORT', which is not set"),
    ({"TAURI_SIDECAR": contract(), "API_PORT": "1"}, "tokenEnv 'API_TOKEN', which is not set"),
    ({"TAURI_SIDECAR": contract(), "API_PORT": "http", "API_TOKEN": "t"}, "API_PORT must be a port number"),
    ({"TAURI_SIDECAR": contract(socketFd="3"), "API_PORT": "1", "API_TOKEN": "t"}, "socketFd must be an integer"),
    ({"PORT": "70000"}, "PORT must be a port number"),
    ({"TAURI_SIDECAR": contract(origins="*"), "API_PORT": "1", "API_TOKEN": "t"}, "origins must be a list"),
])
def test_a_broken_contract_says_what_is_wrong(environ, message):
    with pytest.raises(ContractError, match=message):
        config(environ)

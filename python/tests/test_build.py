"""`python -m tauri_sidecar build`: where the executable goes and how it is named, that the build
leaves nothing in the project, and what it says when it cannot build. The build itself, with
PyInstaller, runs in the repository's scripts/test (the example's sidecar is built with it)."""
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tauri_sidecar import _build


def test_the_executable_is_named_with_the_target_triple_in_binaries(tmp_path):
    command = _build.pyinstaller_command(
        Path("/p/backend/app.py"), "my-app-backend", "x86_64-unknown-linux-gnu",
        Path("/p/src-tauri/binaries"), tmp_path, ["--collect-all", "mylib"],
    )
    assert command[:3] == [sys.executable, "-m", "PyInstaller"]
    assert "--onefile" in command
    assert command[command.index("--name") + 1] == "my-app-backend-x86_64-unknown-linux-gnu"
    assert command[command.index("--distpath") + 1] == "/p/src-tauri/binaries"
    # Work files and the .spec go to the temporary directory, not into the project.
    assert command[command.index("--workpath") + 1].startswith(str(tmp_path))
    assert command[command.index("--specpath") + 1] == str(tmp_path)
    assert command[-3:] == ["--collect-all", "mylib", "/p/backend/app.py"]


def test_the_triple_is_rusts_host_triple():
    triple = _build.host_triple()
    assert re.fullmatch(r"[a-z0-9_]+-[a-z0-9_]+-[a-z0-9_]+(-[a-z0-9_]+)?", triple), triple
    rustc = shutil.which("rustc")
    if rustc:
        assert f"host: {triple}" in subprocess.run([rustc, "-vV"], capture_output=True, text=True).stdout


def test_src_tauri_is_found_from_the_project_or_inside_it(tmp_path):
    tauri_dir = tmp_path / "my-app" / "src-tauri"
    (tauri_dir / "src").mkdir(parents=True)
    (tauri_dir / "tauri.conf.json").write_text("{}")
    (tmp_path / "my-app" / "backend").mkdir()
    assert _build.find_tauri_dir(tmp_path / "my-app") == tauri_dir
    assert _build.find_tauri_dir(tmp_path / "my-app" / "backend") == tauri_dir
    assert _build.find_tauri_dir(tauri_dir / "src") == tauri_dir
    with pytest.raises(_build.BuildError, match="pass --tauri-dir"):
        _build.find_tauri_dir(tmp_path)


def test_it_says_which_tauri_conf_lines_to_add():
    lines = _build.config_lines("my-app-backend")
    assert '"externalBin": ["binaries/my-app-backend"]' in lines
    assert '"sidecar": "binaries/my-app-backend"' in lines


@pytest.mark.parametrize(
    "argv, message",
    [
        (["build", "missing.py", "--name", "x"], "missing.py is not a file"),
        (["build", "{script}", "--name", "bin/x"], "--name must be a file name"),
    ],
)
def test_what_cannot_be_built_is_an_error_that_says_why(tmp_path, capsys, argv, message):
    script = tmp_path / "app.py"
    script.write_text("print('hi')\n")
    argv = [a.format(script=script) for a in argv]
    assert _build.main(argv) == 1
    assert message in capsys.readouterr().err


def test_without_pyinstaller_it_says_how_to_get_it(tmp_path, capsys, monkeypatch):
    script = tmp_path / "app.py"
    script.write_text("print('hi')\n")
    monkeypatch.setitem(sys.modules, "PyInstaller", None)  # import fails
    assert _build.main(["build", str(script), "--name", "x", "--tauri-dir", str(tmp_path)]) == 1
    assert "pip install pyinstaller" in capsys.readouterr().err


def test_python_dash_m_runs_it():
    done = subprocess.run([sys.executable, "-m", "tauri_sidecar", "build", "--help"],
                          capture_output=True, text=True)
    assert done.returncode == 0
    assert "binaries/NAME-<target triple>" in done.stdout.replace("\n", " ").replace("  ", " ")

"""`python -m tauri_sidecar build`: packages a Python backend as the one-file executable that a
Tauri app ships as a sidecar, where `bundle.externalBin` expects it:
`src-tauri/binaries/<name>-<target triple>` (`.exe` on Windows), built by PyInstaller with its
work files in a temporary directory, never in the project."""
from __future__ import annotations

import argparse
import importlib
import os
import platform
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Sequence

#: The target triples Tauri builds for, by (OS, machine), for a machine without `rustc`.
_TRIPLES = {
    ("Linux", "x86_64"): "x86_64-unknown-linux-gnu",
    ("Linux", "aarch64"): "aarch64-unknown-linux-gnu",
    ("Darwin", "x86_64"): "x86_64-apple-darwin",
    ("Darwin", "arm64"): "aarch64-apple-darwin",
    ("Windows", "AMD64"): "x86_64-pc-windows-msvc",
    ("Windows", "ARM64"): "aarch64-pc-windows-msvc",
}


class BuildError(Exception):
    """A build that cannot go on; the message says what to do."""


def host_triple() -> str:
    """The target triple of this machine as Rust names it: `rustc -vV`'s `host`, which is what
    Tauri appends to `externalBin` names; without `rustc`, from the OS and machine."""
    rustc = shutil.which("rustc")
    if rustc:
        out = subprocess.run([rustc, "-vV"], capture_output=True, text=True, check=False).stdout
        for line in out.splitlines():
            if line.startswith("host: "):
                return line[len("host: "):].strip()
    key = (platform.system(), platform.machine())
    if key not in _TRIPLES:
        raise BuildError(f"cannot tell the target triple of {key[0]} on {key[1]}: install Rust (rustc)")
    return _TRIPLES[key]


def find_tauri_dir(start: Path) -> Path:
    """`src-tauri` of the project `start` is in: `start` itself when it holds `tauri.conf.json`,
    else the nearest `src-tauri/` with one in `start` or a directory above it."""
    for directory in (start, *start.parents):
        if (directory / "tauri.conf.json").is_file():
            return directory
        if (directory / "src-tauri" / "tauri.conf.json").is_file():
            return directory / "src-tauri"
    raise BuildError(f"no src-tauri/tauri.conf.json in {start} or above it: pass --tauri-dir")


def pyinstaller_command(
    script: Path, name: str, triple: str, binaries: Path, work: Path, extra: Sequence[str]
) -> list[str]:
    """The PyInstaller command line that builds `script` as `binaries/<name>-<triple>`."""
    return [
        sys.executable, "-m", "PyInstaller", "--onefile", "--noconfirm", "--log-level", "WARN",
        "--name", f"{name}-{triple}", "--distpath", str(binaries),
        "--workpath", str(work / "build"), "--specpath", str(work), *extra, str(script),
    ]


def config_lines(name: str) -> str:
    """What to add to `tauri.conf.json` for the built sidecar."""
    entry = f"binaries/{name}"
    return (
        "Add to src-tauri/tauri.conf.json:\n"
        f'  "bundle": {{ "externalBin": ["{entry}"] }}\n'
        f'  and in the sidecar\'s entry under "plugins" > "sidecar" > "sidecars": "sidecar": "{entry}"'
    )


def build(
    script: Path, name: str, tauri_dir: Path | None = None, extra: Sequence[str] = ()
) -> Path:
    """Builds `script` into `<tauri_dir>/binaries/` and returns the executable's path."""
    if not script.is_file():
        raise BuildError(f"{script} is not a file")
    if "/" in name or "\\" in name or not name:
        raise BuildError(f"--name must be a file name such as my-app-backend, not {name!r}")
    try:
        importlib.import_module("PyInstaller")
    except ImportError:
        raise BuildError(
            "PyInstaller is not installed in this environment: pip install pyinstaller "
            "(or tauri-sidecar[build])"
        ) from None
    tauri_dir = tauri_dir or find_tauri_dir(Path.cwd())
    triple = host_triple()
    binaries = tauri_dir / "binaries"
    with tempfile.TemporaryDirectory(prefix="tauri-sidecar-build-") as work:
        command = pyinstaller_command(script.resolve(), name, triple, binaries, Path(work), extra)
        if subprocess.run(command, check=False).returncode != 0:
            raise BuildError("PyInstaller failed (its output is above)")
    suffix = ".exe" if triple.endswith("windows-msvc") or triple.endswith("windows-gnu") else ""
    return binaries / f"{name}-{triple}{suffix}"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tauri_sidecar",
        description="Tools for Python backends of Tauri apps.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    make = commands.add_parser(
        "build",
        help="package a backend as a one-file sidecar executable (PyInstaller)",
        description="Packages SCRIPT with PyInstaller as src-tauri/binaries/NAME-<target triple>, "
        "where Tauri's bundle.externalBin expects it. Arguments after -- go to PyInstaller.",
    )
    make.add_argument("script", type=Path, help="the backend's entry point, e.g. backend/app.py")
    make.add_argument(
        "--name", required=True,
        help="the executable's name without the triple; choose one of your app's own "
        "(my-app-backend): Linux packages install it in /usr/bin",
    )
    make.add_argument(
        "--tauri-dir", type=Path,
        help="the app's src-tauri directory (default: found from the current directory)",
    )
    argv = list(sys.argv[1:] if argv is None else argv)
    pyinstaller_args: list[str] = []
    if "--" in argv:
        at = argv.index("--")
        argv, pyinstaller_args = argv[:at], argv[at + 1:]
    options = parser.parse_args(argv)
    try:
        built = build(options.script, options.name, options.tauri_dir, pyinstaller_args)
    except BuildError as e:
        print(f"tauri-sidecar build: {e}", file=sys.stderr)
        return 1
    size = os.path.getsize(built) / 1_000_000
    print(f"built {built} ({size:.0f} MB)")
    print(config_lines(options.name))
    return 0

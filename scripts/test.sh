#!/usr/bin/env bash
# The whole test suite, from a fresh Debian machine: installs what it needs (compilers and cross compilers,
# Wine, qemu-user, valgrind, cmake, mono, pytest, cbindgen), then runs every suite. Each suite prints its own closing lines (cargo test's,
# pytest's, or "N passed, N failed"); the last line counts the suites.
#
#   bash scripts/test.sh
set -u
cd "$(dirname "$0")/.."
ROOT=$(pwd)
# The suite runs against emulators it starts itself, never a real account.
for var in $(env | sed -n 's/^\(ARR_[A-Z_]*\)=.*/\1/p'); do unset "$var"; done

install_prerequisites() {
  local packages=()
  command -v gcc >/dev/null || packages+=(gcc)
  command -v g++ >/dev/null || packages+=(g++)
  command -v make >/dev/null || packages+=(make)
  command -v cmake >/dev/null || packages+=(cmake)
  command -v pkg-config >/dev/null || packages+=(pkg-config)
  command -v valgrind >/dev/null || packages+=(valgrind)
  command -v gdb >/dev/null || packages+=(gdb) # the lifecycle stress test's watchdog prints stacks with it
  command -v mcs >/dev/null || packages+=(mono-mcs)
  command -v mono >/dev/null || packages+=(mono-runtime)
  command -v script >/dev/null || packages+=(bsdutils)
  command -v tinyproxy >/dev/null || packages+=(tinyproxy)
  command -v zip >/dev/null || packages+=(zip)
  # Cross builds and the runs of their libraries (tests/c/cross.sh, tests/packages/run.sh; scripts/native.sh).
  command -v x86_64-w64-mingw32-gcc >/dev/null || packages+=(gcc-mingw-w64-x86-64)
  command -v x86_64-w64-mingw32-g++-posix >/dev/null || packages+=(g++-mingw-w64-x86-64-posix)
  command -v aarch64-linux-gnu-gcc >/dev/null || packages+=(gcc-aarch64-linux-gnu)
  command -v aarch64-linux-gnu-g++ >/dev/null || packages+=(g++-aarch64-linux-gnu)
  command -v /usr/lib/wine/wine64 >/dev/null || packages+=(wine64)
  command -v qemu-aarch64 >/dev/null || packages+=(qemu-user)
  python3 -m venv --help >/dev/null 2>&1 || packages+=(python3-venv)
  python3 -m pip --version >/dev/null 2>&1 || packages+=(python3-pip)
  if [ ${#packages[@]} -gt 0 ]; then
    echo "installing: ${packages[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq && apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
  fi
  python3 -c 'import pytest' 2>/dev/null || python3 -m pip install --quiet pytest 2>/dev/null \
    || python3 -m pip install --quiet --break-system-packages pytest
  command -v cbindgen >/dev/null || cargo install --quiet --locked cbindgen --version 0.29.4
  # Azurite, the Azure Storage emulator the conversion tests run against (always with --disableTelemetry).
  command -v npm >/dev/null || { apt-get update -qq && apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null; }
  [ -x target/azurite/node_modules/.bin/azurite-blob ] \
    || npm install --silent --no-audit --no-fund --prefix target/azurite azurite@3.37.0 >/dev/null
  rustup component add rustfmt clippy >/dev/null 2>&1 || true
}

SUITES_PASSED=0
SUITES_FAILED=0
FAILED_SUITES=()
SUITE_LOGS=$(mktemp -d)
FAILED_LOGS=()
# suite NAME COMMAND...: runs one suite, its output shown as it comes and kept, so that the end of the run
# can repeat what failed (CI shows the end of a long log; a failure in the middle would be cut away).
suite() {
  local name=$1
  shift
  local log="$SUITE_LOGS/$((SUITES_PASSED + SUITES_FAILED)).log"
  echo
  echo "=== $name"
  if "$@" 2>&1 | tee "$log"; [ "${PIPESTATUS[0]}" -eq 0 ]; then
    SUITES_PASSED=$((SUITES_PASSED + 1))
  else
    SUITES_FAILED=$((SUITES_FAILED + 1))
    FAILED_SUITES+=("$name")
    FAILED_LOGS+=("$log")
    echo "=== $name FAILED"
  fi
}

# The failing checks of a failed suite's log, each with what it printed after (our runners' FAIL lines,
# cargo's and pytest's failure headers, panics, C# FAIL lines).
failure_digest() {
  grep -E -A 25 '^FAIL |--- FAILED|^FAILED |^_{3,} .* _{3,}$|panicked at|^error(\[|:)' "$1" | head -n 150
}

quickstart_both_versions() {
  timeout 900 cargo run -q --example quickstart && ARR_API_VERSION=v1 timeout 600 cargo run -q --example quickstart \
    && timeout 600 cargo run -q --example conversion
}

# Every suite is bounded, so a hang (a deadlock is one way a callback test can fail) fails CI in time.
python_suite() {
  timeout 1200 python3 -m pytest bindings/python/tests -q -p no:cacheprovider
}

install_prerequisites
suite "rust: formatting" cargo fmt --all -- --check
suite "rust: clippy" cargo clippy -q --workspace --all-targets -- -D warnings
suite "rust: docs (every public item documented, no broken links)" \
  env RUSTDOCFLAGS="-D warnings" cargo doc -q --no-deps -p arr-session -p arr-wire-time -p arr-emulator
suite "rust: tests (core, ffi, emulator, cli, doctests)" timeout 2400 cargo test -q --workspace
# The pipeline converter against Azurite; installs assimp-utils, fbx2gltf and @gltf-transform/cli (pinned) itself.
suite "emulator: pipeline converter (assimp, gltf-transform) against Azurite" timeout 1200 bash scripts/converter-tools.sh test
suite "main job: quickstart against the embedded emulator (2021-01-01 and v1), and the conversion example with Azurite" quickstart_both_versions
suite "c and c++" timeout 2400 bash tests/c/run.sh
suite "c and c++ on win-x64, under Wine" timeout 1800 bash tests/c/cross.sh win-x64
suite "c and c++ on linux-arm64, under qemu-user" timeout 1800 bash tests/c/cross.sh linux-arm64
suite "packages: every built platform in the C archives, NuGet, Unity and the wheels" timeout 1800 bash tests/packages/run.sh
suite "python" python_suite
# Microsoft's own tests of azure-mixedreality-remoterendering, from its sdist on PyPI (docs/peer-tests.md).
suite "python: Microsoft's SDK tests against arr_session" timeout 900 python3 bindings/python/tests/microsoft/run.py
suite "c#" timeout 1200 bash bindings/csharp/run-tests.sh
suite "conversion flows (Python, C#, CLI) against the pipeline converter" timeout 1200 bash scripts/converter-tools.sh flows
suite "readme snippets: every fenced block of README.md and docs/cli.md, run against an emulator" \
  timeout 900 python3 scripts/readme_snippets.py
suite "one feature set: the builds share their dependencies' features (no rebuild between them)" \
  timeout 300 python3 scripts/check_feature_set.py
# Installs Debian's chromium and playwright-core (under target/playwright) itself; about 3 minutes fresh.
suite "emulator dashboard in headless chromium" timeout 900 bash emulator/tests/browser/run.sh
# Installs docker.io and starts dockerd when missing, builds the sample host image, makes a one-node swarm.
suite "hosts: process, docker and swarm providers with the sample host" timeout 1800 bash scripts/hosts-test.sh

for i in "${!FAILED_SUITES[@]}"; do
  echo
  echo "=== what failed in: ${FAILED_SUITES[$i]}"
  failure_digest "${FAILED_LOGS[$i]}"
done
echo
for s in "${FAILED_SUITES[@]}"; do echo "failed suite: $s"; done
echo "suites: $SUITES_PASSED passed, $SUITES_FAILED failed"
[ "$SUITES_FAILED" -eq 0 ]

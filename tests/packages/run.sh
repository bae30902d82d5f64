#!/usr/bin/env bash
# The packages, for every platform we build: scripts/native.sh, then scripts/package.sh, then
#   - inspect_packages.py: each package's contents (the tested library of every rid, byte for byte, in the
#     package's layout) and the Unity package's .meta platform settings;
#   - the C archives used as a consumer would: examples/cpp (static, arr_session::arr_session) and
#     tests/c/consumer (shared, arr_session::arr_session_shared) found with find_package in each unpacked
#     archive, cross-compiled with cmake/toolchains/*.cmake, run natively (linux-x64), under Wine (win-x64)
#     and under qemu-user (linux-arm64) against arr-emulator; a package for another platform is refused;
#   - the Python wheels installed: the manylinux x86_64 one into a venv, the manylinux aarch64 one with pip
#     --platform, each running examples/python/lifecycle.py (the aarch64 one with Debian's arm64 CPython
#     under qemu-user, its .debs fetched by apt-get into target/arm64-python, nothing installed system-wide).
#     The win_amd64 wheel is inspected only: no Windows Python here.
# Installs what it needs (apt: cmake, the cross compilers, wine64, qemu-user). Ends with "N passed, N failed".
#
#   bash tests/packages/run.sh
set -u
source "$(dirname "$0")/../../scripts/lib.sh"
cd "$ROOT"
BUILD="$ROOT/build/packages"
rm -rf "$BUILD"
mkdir -p "$BUILD"
version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n 1)

install_tools() {
  local packages=() need
  for need in cmake:cmake /usr/lib/wine/wine64:wine64 x86_64-w64-mingw32-g++-posix:g++-mingw-w64-x86-64-posix \
              qemu-aarch64:qemu-user aarch64-linux-gnu-g++:g++-aarch64-linux-gnu; do
    command -v "${need%%:*}" >/dev/null || packages+=("${need#*:}")
  done
  python3 -m venv --help >/dev/null 2>&1 || packages+=(python3-venv)
  if [ ${#packages[@]} -gt 0 ]; then
    echo "installing: ${packages[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq && apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
  fi
}
install_tools
export WINEPREFIX="$ROOT/target/wine" WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml=" WINEARCH=win64
export QEMU_LD_PREFIX=/usr/aarch64-linux-gnu

check "scripts/native.sh (linux-x64, linux-arm64, win-x64)" bash scripts/native.sh
check "build the emulator (native linux-x64)" cargo build -q -p arr-emulator
started=$(date +%s)
check "scripts/package.sh builds the C archives, the NuGet package, the Unity package and the wheels" bash scripts/package.sh
echo "     (packaging: $(( $(date +%s) - started )) s)"

# The inspector's own checks count one by one.
python3 tests/packages/inspect_packages.py | tee "$BUILD/inspect.log"
if read -r p f < <(sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\1 \2/p' "$BUILD/inspect.log" | tail -n 1); then
  PASSED=$((PASSED + p))
  FAILED=$((FAILED + f))
  [ "$f" -eq 0 ] || FAILURES+=("inspect_packages.py: $f checks")
else
  check "inspect_packages.py ran to its summary" false
fi

# ---------- the C archives, used through CMake ----------

toolchain_of() {
  case "$1" in
    win-x64) echo "-DCMAKE_TOOLCHAIN_FILE=$ROOT/cmake/toolchains/x86_64-w64-mingw32.cmake" ;;
    linux-arm64) echo "-DCMAKE_TOOLCHAIN_FILE=$ROOT/cmake/toolchains/aarch64-linux-gnu.cmake" ;;
  esac
}
runner_of() {
  case "$1" in
    win-x64) echo /usr/lib/wine/wine64 ;;
    linux-arm64) echo qemu-aarch64 ;;
  esac
}
on_of() {
  case "$1" in
    win-x64) echo "under Wine" ;;
    linux-arm64) echo "under qemu-user" ;;
    *) echo natively ;;
  esac
}

mkdir -p "$BUILD/unpacked"
for rid in linux-x64 linux-arm64 win-x64; do
  name="arr_session-$version-$rid"
  if [ "$rid" = win-x64 ]; then
    check "c $rid: $name.zip unpacks" python3 -m zipfile -e "target/packages/c/$name.zip" "$BUILD/unpacked"
  else
    check "c $rid: $name.tar.gz unpacks" tar -xzf "target/packages/c/$name.tar.gz" -C "$BUILD/unpacked"
  fi
  prefix="$BUILD/unpacked/$name"
  exe=""
  [ "$rid" = win-x64 ] && exe=.exe
  for project in examples/cpp tests/c/consumer; do
    dir="$BUILD/$rid-$(basename "$project")"
    check "c $rid: $project configures with find_package(arr_session) from the archive$([ "$rid" != linux-x64 ] && echo ", cross-compiled")" \
      cmake -S "$project" -B "$dir" $(toolchain_of "$rid") -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_BUILD_TYPE=Release
    check "c $rid: $project builds" cmake --build "$dir"
  done
  if [ "$rid" = win-x64 ]; then
    # Test-only (see tests/c/shims): Wine 8 lacks bcryptprimitives.dll.
    for dir in "$BUILD/$rid-cpp" "$BUILD/$rid-consumer"; do
      x86_64-w64-mingw32-gcc -shared -O2 tests/c/shims/bcryptprimitives.c -ladvapi32 -o "$dir/bcryptprimitives.dll"
    done
    check "c win-x64: the shared consumer has arr_session.dll beside it and imports it by name" \
      bash -c "[ -f '$BUILD/$rid-consumer/arr_session.dll' ] && x86_64-w64-mingw32-objdump -p '$BUILD/$rid-consumer/lifecycle_shared.exe' | grep -q 'DLL Name: arr_session.dll'"
  else
    readelf=readelf
    [ "$rid" = linux-arm64 ] && readelf=aarch64-linux-gnu-readelf
    # The library has no SONAME: linked by path, the program would need the build machine's path.
    check "c $rid: the shared consumer needs libarr_session.so by name (not a build path), found through \$ORIGIN" \
      bash -c "$readelf -d '$BUILD/$rid-consumer/lifecycle_shared' | grep -q 'NEEDED.*\[libarr_session.so\]' \
               && $readelf -d '$BUILD/$rid-consumer/lifecycle_shared' | grep -q 'RUNPATH.*\[\$ORIGIN\]'"
  fi
  start_emulator URL --start-delay 300ms
  config=$(dev_config "$URL")
  check "c $rid $(on_of "$rid"): examples/cpp lifecycle_cpp (static) against the emulator" \
    $(runner_of "$rid") "$BUILD/$rid-cpp/lifecycle_cpp$exe" "$config"
  check "c $rid $(on_of "$rid"): tests/c/consumer lifecycle_shared (shared library beside it) against the emulator" \
    $(runner_of "$rid") "$BUILD/$rid-consumer/lifecycle_shared$exe" "$config"
  stop_emulators
done
# A package for another platform is passed over by find_package (its version file says unsuitable).
check "c: find_package refuses the win-x64 package for a Linux x64 build, naming it" \
  bash -c "! cmake -S tests/c/consumer -B '$BUILD/wrong-platform' -DCMAKE_PREFIX_PATH='$BUILD/unpacked/arr_session-$version-win-x64' >'$BUILD/wrong-platform.log' 2>&1 \
           && grep -q '0.1.0 (win-x64)' '$BUILD/wrong-platform.log'"
check "c: find_package refuses the linux-arm64 package for a Linux x64 build, naming it" \
  bash -c "! cmake -S tests/c/consumer -B '$BUILD/wrong-arch' -DCMAKE_PREFIX_PATH='$BUILD/unpacked/arr_session-$version-linux-arm64' >'$BUILD/wrong-arch.log' 2>&1 \
           && grep -q '0.1.0 (linux-arm64)' '$BUILD/wrong-arch.log'"
[ -x /usr/lib/wine/wineserver ] && /usr/lib/wine/wineserver -k 2>/dev/null

# ---------- the Python wheels, installed ----------

# lifecycle_script NAME "PYTHON" INSTALL_DIR [VAR=VALUE...]: writes $BUILD/NAME.sh, which runs
# examples/python/lifecycle.py against the emulator at $URL with the installed package only (no
# ARR_SESSION_LIBRARY, away from the source tree) and fails unless the library it loaded is the one inside
# INSTALL_DIR and the session went to Ready and then Stopped.
lifecycle_script() {
  local name=$1 python=$2 install=$3 var
  shift 3
  {
    echo "cd '$BUILD' && export HOME='$BUILD' && unset ARR_SESSION_LIBRARY PYTHONPATH"
    for var in "$@"; do echo "export $var"; done
    echo "$python -c 'import arr_session; print(\"loaded\", arr_session.LIBRARY_PATH)' >'$BUILD/$name.out' 2>&1 \\"
    echo "  && $python '$ROOT/examples/python/lifecycle.py' --endpoint '$URL' >>'$BUILD/$name.out' 2>&1"
    echo "rc=\$?; cat '$BUILD/$name.out'"
    echo "[ \$rc -eq 0 ] && grep -q '^loaded $install/' '$BUILD/$name.out' && grep -q 'ready:' '$BUILD/$name.out' && grep -q '(Stopped)' '$BUILD/$name.out'"
  } >"$BUILD/$name.sh"
  echo "$BUILD/$name.sh"
}

start_emulator URL --start-delay 300ms
x64_wheel=$(ls target/packages/python/arr_session-"$version"-py3-none-manylinux_*_x86_64.whl 2>/dev/null | head -n 1)
check "python linux-x64: the manylinux x86_64 wheel installs into a fresh venv" \
  bash -c "python3 -m venv '$BUILD/venv-x64' && '$BUILD/venv-x64/bin/python' -m pip install --quiet --no-index --disable-pip-version-check '$x64_wheel'"
site_x64=$("$BUILD/venv-x64/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["platlib"])' 2>/dev/null)
check "python linux-x64: examples/python/lifecycle.py with the installed wheel's own library, against the emulator" \
  bash "$(lifecycle_script lifecycle-x64 "$BUILD/venv-x64/bin/python" "$site_x64/arr_session")"

arm_wheel=$(ls target/packages/python/arr_session-"$version"-py3-none-manylinux_*_aarch64.whl 2>/dev/null | head -n 1)
arm_tag=$(basename "$arm_wheel" .whl | sed 's/.*-py3-none-//; s/\..*//')
check "python linux-arm64: Debian's arm64 CPython unpacked under target/arm64-python (apt-get download, no system install)" \
  bash tests/packages/arm64-python.sh
sysroot="$ROOT/target/arm64-python/root"
arm_python=$(ls "$sysroot"/usr/bin/python3.[0-9]* 2>/dev/null | grep -E 'python3\.[0-9]+$' | head -n 1)
arm_version=$(basename "${arm_python:-python3.11}" | sed 's/python//')
check "python linux-arm64: pip installs the $arm_tag wheel for that Python (pip --platform $arm_tag --target)" \
  "$BUILD/venv-x64/bin/python" -m pip install --quiet --no-index --disable-pip-version-check --no-deps --only-binary=:all: \
    --platform "$arm_tag" --python-version "$arm_version" --implementation cp --target "$BUILD/site-arm64" "$arm_wheel"
# The arm64 interpreter and its libraries (glibc included) all come from the sysroot.
check "python linux-arm64 under qemu-user: examples/python/lifecycle.py with the installed wheel's own library, against the emulator" \
  bash "$(lifecycle_script lifecycle-arm64 "qemu-aarch64 -L $sysroot $arm_python" "$BUILD/site-arm64/arr_session" "PYTHONPATH=$BUILD/site-arm64")"
stop_emulators

summary "packages"

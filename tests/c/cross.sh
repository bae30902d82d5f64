#!/usr/bin/env bash
# The C and C++ suite on the platforms we cross-build, run where they will run: win-x64 under Wine,
# linux-arm64 under qemu-user, each against arr-emulator (the native Linux x64 binary) on loopback. It tests
# the release libraries in target/native/<rid>/ (scripts/native.sh builds them), the files every package ships.
#
#   bash tests/c/cross.sh win-x64        Wine 8 (wine64), mingw-w64 gcc/g++ (posix threads)
#   bash tests/c/cross.sh linux-arm64    qemu-user (qemu-aarch64), aarch64-linux-gnu gcc/g++
#
# The programs: abi_test (every function: lifecycle, async callbacks, hostile arguments, token provider,
# logging, session guard, cancel/free/shutdown), close_test (close/free/shutdown at their edges),
# concurrency_test, keeper_test, cpp_callbacks_test, cpp_conversions_keeper_test (conversions, the
# keeper), and windows_test (win-x64: LoadLibraryW x20, non-ASCII paths, exit with work in flight) or
# dlopen_test and reentrancy_test (linux-arm64: it uses fork and /proc). Some link the shared library (DLL through its import library), some the static one.
# Installs what it needs (apt: wine64 / qemu-user, the cross g++). Wine's prefix is target/wine.
# Test-only: tests/c/shims/bcryptprimitives.c, built next to the Windows test programs (see that file).
set -u
source "$(dirname "$0")/../../scripts/lib.sh"
cd "$ROOT"
rid=${1:-}
case "$rid" in
  win-x64 | linux-arm64) ;;
  *) echo "usage: $0 win-x64|linux-arm64" >&2; exit 2 ;;
esac
BUILD="$ROOT/build/c-$rid"
NATIVE="$ROOT/target/native/$rid"
rm -rf "$BUILD"
mkdir -p "$BUILD"

install_tools() {
  local packages=() need
  if [ "$rid" = win-x64 ]; then
    for need in /usr/lib/wine/wine64:wine64 x86_64-w64-mingw32-g++-posix:g++-mingw-w64-x86-64-posix; do
      command -v "${need%%:*}" >/dev/null || packages+=("${need#*:}")
    done
  else
    for need in qemu-aarch64:qemu-user aarch64-linux-gnu-g++:g++-aarch64-linux-gnu; do
      command -v "${need%%:*}" >/dev/null || packages+=("${need#*:}")
    done
  fi
  if [ ${#packages[@]} -gt 0 ]; then
    echo "installing: ${packages[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq && apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
  fi
}
install_tools

check "scripts/native.sh $rid (release, what the packages ship)" bash scripts/native.sh "$rid"
check "build the emulator (native linux-x64)" cargo build -q -p arr-emulator

if [ "$rid" = win-x64 ]; then
  TRIPLE=x86_64-pc-windows-gnu
  CC=(x86_64-w64-mingw32-gcc-posix)
  CXX=(x86_64-w64-mingw32-g++-posix)
  EXE=.exe
  # Windows names for the list of exports: the DLL's export table.
  exports() { x86_64-w64-mingw32-objdump -p "$NATIVE/arr_session.dll" | sed -n '/\[Ordinal\/Name Pointer\] Table/,/^$/p' | awk '/^[ \t]+\[/ {print $NF}' | sort; }
  SHARED=("$NATIVE/libarr_session.dll.a")
  # -static: the test programs carry winpthreads and libstdc++ themselves (no DLLs but the system's and ours).
  LINK_EXTRA=(-static)
  export WINEPREFIX="$ROOT/target/wine" WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml=" WINEARCH=win64
  RUN=(/usr/lib/wine/wine64)
else
  TRIPLE=aarch64-unknown-linux-gnu
  CC=(aarch64-linux-gnu-gcc)
  CXX=(aarch64-linux-gnu-g++)
  EXE=
  exports() { aarch64-linux-gnu-nm -D --defined-only "$NATIVE/libarr_session.so" | awk '{print $3}' | sort; }
  SHARED=(-L"$NATIVE" -larr_session -lpthread -Wl,-rpath,"$NATIVE")
  LINK_EXTRA=()
  export QEMU_LD_PREFIX=/usr/aarch64-linux-gnu
  export ARR_TEST_THREAD_EXIT_GRACE_MS=250 # see dlopen_test.c
  RUN=(qemu-aarch64)
fi
static_libs=$(cat "cmake/native-static-libs-$rid.txt")
STATIC=("$NATIVE/libarr_session.a" $static_libs)

exports >"$BUILD/exports.txt" 2>&1
check "$rid: the library exports exactly the symbols in ffi/exported-symbols.txt" diff "$BUILD/exports.txt" ffi/exported-symbols.txt
if [ "$rid" = win-x64 ]; then
  # Only Windows' own DLLs: no libgcc_s_seh-1.dll, libwinpthread-1.dll or libstdc++-6.dll to ship beside it.
  x86_64-w64-mingw32-objdump -p "$NATIVE/arr_session.dll" | sed -n 's/^\tDLL Name: //p' | tr 'A-Z' 'a-z' | sort -u >"$BUILD/needed.txt"
  allowed='kernel32.dll|advapi32.dll|bcrypt.dll|bcryptprimitives.dll|crypt32.dll|ntdll.dll|ws2_32.dll|msvcrt.dll|userenv.dll|api-ms-win-core-synch-l1-2-0.dll'
  check "win-x64: arr_session.dll imports only Windows system DLLs ($(tr '\n' ' ' <"$BUILD/needed.txt"))" \
    bash -c "[ -s '$BUILD/needed.txt' ] && ! grep -v -x -E '$allowed' '$BUILD/needed.txt'"
else
  aarch64-linux-gnu-readelf -d "$NATIVE/libarr_session.so" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | sort >"$BUILD/needed.txt"
  allowed='libc.so.6|libm.so.6|libgcc_s.so.1|libpthread.so.0|libdl.so.2|librt.so.1|libutil.so.1|ld-linux-aarch64.so.1'
  check "linux-arm64: libarr_session.so needs only glibc and libgcc_s ($(tr '\n' ' ' <"$BUILD/needed.txt"))" \
    bash -c "[ -s '$BUILD/needed.txt' ] && ! grep -v -x -E '$allowed' '$BUILD/needed.txt'"
fi
check "$rid: the static library needs exactly the native libraries in cmake/native-static-libs-$rid.txt" \
  bash -c "cargo rustc -q --release -p arr-session-ffi --lib --target $TRIPLE --crate-type staticlib -- --print native-static-libs 2>&1 \
           | grep -q -- 'native-static-libs: $static_libs\$'"

CFLAGS=(-std=c99 -Wall -Wextra -Werror -pedantic -Iinclude)
CXXFLAGS=(-std=c++17 -Wall -Wextra -Werror -Iinclude)
check "$rid: abi_test links against the shared library" \
  "${CC[@]}" "${CFLAGS[@]}" tests/c/abi_test.c "${SHARED[@]}" "${LINK_EXTRA[@]}" -lpthread -o "$BUILD/abi_test$EXE"
check "$rid: close_test links against the shared library" \
  "${CC[@]}" "${CFLAGS[@]}" tests/c/close_test.c "${SHARED[@]}" "${LINK_EXTRA[@]}" -lpthread $([ "$rid" = win-x64 ] && echo -lws2_32) -o "$BUILD/close_test$EXE"
check "$rid: concurrency_test links statically" \
  "${CC[@]}" "${CFLAGS[@]}" tests/c/concurrency_test.c "${STATIC[@]}" "${LINK_EXTRA[@]}" -lpthread -o "$BUILD/concurrency_test$EXE"
check "$rid: keeper_test links statically" \
  "${CC[@]}" "${CFLAGS[@]}" tests/c/keeper_test.c "${STATIC[@]}" "${LINK_EXTRA[@]}" -lpthread $([ "$rid" = win-x64 ] && echo -lws2_32) -o "$BUILD/keeper_test$EXE"
check "$rid: cpp_callbacks_test links statically (C++17)" \
  "${CXX[@]}" "${CXXFLAGS[@]}" tests/c/cpp_callbacks_test.cpp "${STATIC[@]}" "${LINK_EXTRA[@]}" -o "$BUILD/cpp_callbacks_test$EXE"
check "$rid: cpp_conversions_keeper_test links statically (C++17)" \
  "${CXX[@]}" "${CXXFLAGS[@]}" tests/c/cpp_conversions_keeper_test.cpp "${STATIC[@]}" "${LINK_EXTRA[@]}" -o "$BUILD/cpp_conversions_keeper_test$EXE"
if [ "$rid" = win-x64 ]; then
  check "win-x64: windows_test builds (resolves everything with GetProcAddress)" \
    "${CC[@]}" "${CFLAGS[@]}" tests/c/windows_test.c -static -o "$BUILD/windows_test.exe"
  cp "$NATIVE/arr_session.dll" "$BUILD/"
  check "test-only bcryptprimitives.dll stub for Wine 8 (tests/c/shims), beside the test programs only" \
    "${CC[@]}" -shared -O2 -Wall -Werror tests/c/shims/bcryptprimitives.c -ladvapi32 -o "$BUILD/bcryptprimitives.dll"
  started=$(date +%s)
  check "a Wine prefix in target/wine (wineboot)" bash -c "/usr/lib/wine/wine64 wineboot --init >/dev/null 2>&1; test -d '$WINEPREFIX/drive_c/windows'"
  echo "     (Wine start-up: $(( $(date +%s) - started )) s)"
else
  check "linux-arm64: dlopen_test builds" \
    "${CC[@]}" "${CFLAGS[@]}" -g tests/c/dlopen_test.c -ldl -lpthread -o "$BUILD/dlopen_test"
  check "linux-arm64: reentrancy_test links statically" \
    "${CC[@]}" "${CFLAGS[@]}" tests/c/reentrancy_test.c "${STATIC[@]}" -lpthread -o "$BUILD/reentrancy_test"
fi

on="under Wine"
[ "$rid" = linux-arm64 ] && on="under qemu-user"

start_emulator FAST --start-delay 300ms
start_emulator SLOW --start-delay 1h
check "$rid $on: abi_test (shared library): every function against the emulator" "${RUN[@]}" "$BUILD/abi_test$EXE" "$FAST" "$SLOW"
stop_emulators

start_emulator FAST --start-delay 300ms
start_emulator SLOW --start-delay 1h
check "$rid $on: close_test (shared library): close, free and shutdown at their edges" "${RUN[@]}" "$BUILD/close_test$EXE" "$FAST" "$SLOW"
stop_emulators

start_emulator FAST --start-delay 300ms
start_emulator SLOW --start-delay 1h
check "$rid $on: concurrency_test (static): 64 threads on one client while another is freed mid-flight" \
  "${RUN[@]}" "$BUILD/concurrency_test$EXE" "$FAST" "$SLOW"
check "$rid $on: cpp_callbacks_test (static): exceptions thrown by C++ callbacks never unwind into the library" \
  "${RUN[@]}" "$BUILD/cpp_callbacks_test$EXE" "$FAST" "$SLOW"
stop_emulators

start_emulator FAST --start-delay 300ms
check "$rid $on: keeper_test (static): many sessions with one list per poll; failures as error objects" \
  "${RUN[@]}" "$BUILD/keeper_test$EXE" "$FAST"
stop_emulators

start_emulator TIMED --start-delay 300ms --time-scale 60 --conversion-start-delay 1s --conversion-duration 2s
check "$rid $on: cpp_conversions_keeper_test (static): conversions and the lease keeper" \
  "${RUN[@]}" "$BUILD/cpp_conversions_keeper_test$EXE" "$TIMED"
stop_emulators

start_emulator FAST --start-delay 300ms
if [ "$rid" = win-x64 ]; then
  start_emulator SLOW --start-delay 1h
  start_emulator TLS --start-delay 300ms --tls --tls-cert-out "$BUILD/emulator-cert.pem"
  check "win-x64 under Wine: windows_test: LoadLibraryW/use/arr_shutdown/FreeLibrary x20, non-ASCII paths, a CRLF config over HTTPS, exit with work in flight" \
    "${RUN[@]}" "$BUILD/windows_test.exe" "$FAST" "$SLOW" "$TLS"
else
  check "linux-arm64 under qemu-user: dlopen_test: dlopen, calls, free, arr_shutdown, dlclose; 20 times" \
    "${RUN[@]}" "$BUILD/dlopen_test" "$NATIVE/libarr_session.so" "$FAST"
  start_emulator SLOW --start-delay 1h
  check "linux-arm64 under qemu-user: reentrancy_test: close, free and shutdown from inside callbacks, after fork" \
    "${RUN[@]}" "$BUILD/reentrancy_test" "$FAST" "$SLOW" --slow
fi
stop_emulators

# Wine's server for this prefix (started by the runs above) lingers a few seconds; end it now.
[ "$rid" = win-x64 ] && /usr/lib/wine/wineserver -k 2>/dev/null
summary "cross-$rid"

#!/usr/bin/env bash
# The C and C++ side of the suite: header freshness and compilation, the C ABI test (static and shared,
# under valgrind and AddressSanitizer), the concurrency test, closing clients (close_test, also under
# valgrind and AddressSanitizer), lifecycle calls from inside callbacks and after fork (reentrancy_test,
# also under valgrind and AddressSanitizer), exceptions in C++ callbacks, loading the shared library with dlopen,
# the examples through pkg-config and CMake, and the native-static-libs lock.
# Needs gcc, g++, cmake, pkg-config, valgrind and cbindgen (scripts/test.sh installs them).
set -u
source "$(dirname "$0")/../../scripts/lib.sh"
cd "$ROOT"
BUILD="$ROOT/build/c"
rm -rf "$BUILD"
mkdir -p "$BUILD"

check "build the library (with test hooks) and the emulator" \
  cargo build -q -p arr-session-ffi --features test-hooks -p arr-emulator

check "include/arr_session.h is what cbindgen generates" \
  cbindgen --quiet --config ffi/cbindgen.toml --crate arr-session-ffi --verify --output include/arr_session.h
check "the bindings' tables (Python _abi.py, C# NativeMethods.g.cs) are what scripts/gen_bindings.py makes from the header" \
  python3 scripts/gen_bindings.py --check
check "arr_session.h compiles as C99 (-Wall -Wextra -Werror -pedantic)" \
  gcc -std=c99 -Wall -Wextra -Werror -pedantic -fsyntax-only -x c include/arr_session.h
check "arr_session.h compiles as C++17 (-Wall -Wextra -Werror)" \
  g++ -std=c++17 -Wall -Wextra -Werror -fsyntax-only -x c++ include/arr_session.h
check "arr_session.hpp compiles as C++17" \
  g++ -std=c++17 -Wall -Wextra -Werror -pedantic -fsyntax-only -x c++ include/arr_session.hpp
check "arr_session.hpp compiles with -fno-exceptions" \
  g++ -std=c++17 -Wall -Wextra -Werror -fno-exceptions -fsyntax-only -x c++ include/arr_session.hpp

native_libs=$(cat cmake/native-static-libs.txt)
check "the static library needs exactly the native libraries in cmake/native-static-libs.txt" \
  bash -c "cargo rustc -q -p arr-session-ffi --lib --features test-hooks --crate-type staticlib -- --print native-static-libs 2>&1 \
           | grep -q -- 'native-static-libs: $native_libs\$'"

CFLAGS=(-std=c99 -Wall -Wextra -Werror -pedantic -DARR_SESSION_TEST_HOOKS -Iinclude)
check "abi_test links statically" \
  gcc "${CFLAGS[@]}" tests/c/abi_test.c target/debug/libarr_session.a $native_libs -o "$BUILD/abi_test_static"
check "abi_test builds with AddressSanitizer" \
  gcc "${CFLAGS[@]}" -g -fsanitize=address -fno-omit-frame-pointer tests/c/abi_test.c target/debug/libarr_session.a $native_libs -o "$BUILD/abi_test_asan"
check "concurrency_test links statically" \
  gcc -std=c99 -Wall -Wextra -Werror -pedantic -Iinclude tests/c/concurrency_test.c target/debug/libarr_session.a $native_libs -o "$BUILD/concurrency_test"
check "close_test links statically" \
  gcc "${CFLAGS[@]}" tests/c/close_test.c target/debug/libarr_session.a $native_libs -o "$BUILD/close_test_static"
check "close_test builds with AddressSanitizer" \
  gcc "${CFLAGS[@]}" -g -fsanitize=address -fno-omit-frame-pointer tests/c/close_test.c target/debug/libarr_session.a $native_libs -o "$BUILD/close_test_asan"
check "reentrancy_test links statically" \
  gcc "${CFLAGS[@]}" -g tests/c/reentrancy_test.c target/debug/libarr_session.a $native_libs -o "$BUILD/reentrancy_test"
check "reentrancy_test builds with AddressSanitizer" \
  gcc "${CFLAGS[@]}" -g -fsanitize=address -fno-omit-frame-pointer tests/c/reentrancy_test.c target/debug/libarr_session.a $native_libs -o "$BUILD/reentrancy_test_asan"
check "lifecycle_regressions_test links statically" \
  gcc "${CFLAGS[@]}" -g tests/c/lifecycle_regressions_test.c target/debug/libarr_session.a $native_libs -lpthread -o "$BUILD/lifecycle_regressions_test"
check "lifecycle_stress_test links statically" \
  gcc "${CFLAGS[@]}" -g tests/c/lifecycle_stress_test.c target/debug/libarr_session.a $native_libs -lpthread -o "$BUILD/lifecycle_stress_test"
check "lifecycle_stress_test builds with AddressSanitizer" \
  gcc "${CFLAGS[@]}" -g -fsanitize=address -fno-omit-frame-pointer tests/c/lifecycle_stress_test.c target/debug/libarr_session.a $native_libs -lpthread -o "$BUILD/lifecycle_stress_test_asan"
check "needs_test links statically" \
  gcc "${CFLAGS[@]}" -g tests/c/needs_test.c target/debug/libarr_session.a $native_libs -o "$BUILD/needs_test"
check "keeper_test links statically" \
  gcc "${CFLAGS[@]}" -g tests/c/keeper_test.c target/debug/libarr_session.a $native_libs -o "$BUILD/keeper_test"
check "cpp_callbacks_test links statically (g++ -std=c++17 -Wall -Wextra -Werror)" \
  g++ -std=c++17 -Wall -Wextra -Werror -Iinclude tests/c/cpp_callbacks_test.cpp target/debug/libarr_session.a $native_libs -o "$BUILD/cpp_callbacks_test"
check "cpp_conversions_keeper_test links statically (g++ -std=c++17 -Wall -Wextra -Werror)" \
  g++ -std=c++17 -Wall -Wextra -Werror -Iinclude tests/c/cpp_conversions_keeper_test.cpp target/debug/libarr_session.a $native_libs -o "$BUILD/cpp_conversions_keeper_test"
check "preflight_test links statically" \
  gcc -std=c99 -Wall -Wextra -Werror -pedantic -Iinclude tests/c/preflight_test.c target/debug/libarr_session.a $native_libs -o "$BUILD/preflight_test"
check "dlopen_test builds (C99, -ldl)" \
  gcc -std=c99 -Wall -Wextra -Werror -pedantic -g -Iinclude tests/c/dlopen_test.c -ldl -lpthread -o "$BUILD/dlopen_test"
check "abi_test links against the shared library" \
  gcc "${CFLAGS[@]}" tests/c/abi_test.c -Ltarget/debug -larr_session -lpthread -Wl,-rpath,"$ROOT/target/debug" -o "$BUILD/abi_test_shared"

start_emulator FAST --start-delay 300ms
start_emulator SLOW --start-delay 1h
check "abi_test (static): every function against the emulator" "$BUILD/abi_test_static" "$FAST" "$SLOW"
stop_emulators

start_emulator FAST --start-delay 300ms
start_emulator SLOW --start-delay 1h
check "abi_test (shared library), quick" "$BUILD/abi_test_shared" "$FAST" "$SLOW" --quick
stop_emulators

start_emulator FAST --start-delay 300ms
start_emulator SLOW --start-delay 1h
check "abi_test under valgrind memcheck: no errors, no definite leaks" \
  valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite --show-leak-kinds=definite \
  "$BUILD/abi_test_static" "$FAST" "$SLOW" --quick
stop_emulators

start_emulator FAST --start-delay 300ms
start_emulator SLOW --start-delay 1h
check "abi_test under AddressSanitizer (hostile input included)" env ASAN_OPTIONS=detect_leaks=1 "$BUILD/abi_test_asan" "$FAST" "$SLOW" --quick
stop_emulators

start_emulator FAST --start-delay 300ms
start_emulator SLOW --start-delay 1h
check "concurrency_test: 64 threads on one client while another client is freed mid-flight" "$BUILD/concurrency_test" "$FAST" "$SLOW"
stop_emulators

start_emulator FAST --start-delay 300ms
start_emulator SLOW --start-delay 1h
check "concurrency_test under valgrind memcheck" \
  valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite --show-leak-kinds=definite \
  "$BUILD/concurrency_test" "$FAST" "$SLOW" --quick
stop_emulators

start_emulator FAST --start-delay 300ms
start_emulator SLOW --start-delay 1h
check "close_test: close, free and shutdown at their edges (50 rounds of 200 operations)" "$BUILD/close_test_static" "$FAST" "$SLOW"
stop_emulators

start_emulator FAST --start-delay 300ms
start_emulator SLOW --start-delay 1h
check "close_test under valgrind memcheck, quick: no errors, no definite leaks" \
  valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite --show-leak-kinds=definite \
  "$BUILD/close_test_static" "$FAST" "$SLOW" --quick
check "close_test under valgrind memcheck: 50 rounds of 200 operations then close and free" \
  valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite --show-leak-kinds=definite \
  "$BUILD/close_test_static" "$FAST" "$SLOW" --many
stop_emulators

start_emulator FAST --start-delay 300ms
start_emulator SLOW --start-delay 1h
check "close_test under AddressSanitizer, quick" env ASAN_OPTIONS=detect_leaks=1 "$BUILD/close_test_asan" "$FAST" "$SLOW" --quick
stop_emulators

start_emulator FAST --start-delay 300ms
start_emulator SLOW --start-delay 1h
check "reentrancy_test: close, free and shutdown from inside callbacks, across clients, many at once, after fork" \
  "$BUILD/reentrancy_test" "$FAST" "$SLOW"
check "reentrancy_test under valgrind memcheck: no errors, no definite leaks" \
  valgrind -q --child-silent-after-fork=yes --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite \
  --show-leak-kinds=definite "$BUILD/reentrancy_test" "$FAST" "$SLOW" --slow
check "reentrancy_test under AddressSanitizer" \
  env ASAN_OPTIONS=detect_leaks=1 "$BUILD/reentrancy_test_asan" "$FAST" "$SLOW" --slow
stop_emulators

start_emulator FAST --start-delay 300ms
check "lifecycle_regressions_test: nothing after a free from a callback during another close, no keeper event after cancel, cancel after close, new during shutdown" \
  "$BUILD/lifecycle_regressions_test" "$FAST"
stop_emulators

# Fresh seeds each run (printed; a failure prints how to replay it); a hang prints every thread's stack.
start_emulator FAST --start-delay 300ms
check "lifecycle_stress_test: 5 seeds x 600 client lifecycles, callbacks closing, freeing, cancelling, starting, shutting down at random" \
  "$BUILD/lifecycle_stress_test" "$FAST" --clients 600
check "lifecycle_stress_test under AddressSanitizer: 2 seeds x 600 client lifecycles" \
  env ASAN_OPTIONS=detect_leaks=1 "$BUILD/lifecycle_stress_test_asan" "$FAST" --clients 600 \
  --seeds "$(date +%s)1,$(date +%s)2"
stop_emulators

start_emulator FAST --start-delay 300ms
start_emulator SLOW --start-delay 1h
check "cpp_callbacks_test: exceptions thrown by C++ callbacks never unwind into the library" "$BUILD/cpp_callbacks_test" "$FAST" "$SLOW"
stop_emulators

start_emulator FAST --start-delay 300ms
check "needs_test: costs, capacity fallback, doctor, call history and reaping through the C ABI" "$BUILD/needs_test" "$FAST"
stop_emulators
start_emulator FAST --start-delay 300ms
check "needs_test under valgrind memcheck: no errors, no definite leaks" \
  valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite --show-leak-kinds=definite \
  "$BUILD/needs_test" "$FAST"
stop_emulators

start_emulator FAST --start-delay 300ms
check "keeper_test: three sessions kept with one list per poll; failures as error objects (404, 401, 429)" "$BUILD/keeper_test" "$FAST"
stop_emulators

# Emulated time at 60x (a minute a second) and short conversions, so the keeper's renewals, cap, warning and
# expiry and a whole conversion happen in seconds.
start_emulator TIMED --start-delay 300ms --time-scale 60 --conversion-start-delay 1s --conversion-duration 2s
check "cpp_conversions_keeper_test: conversions and the lease keeper through the C ABI and the C++ layer" \
  "$BUILD/cpp_conversions_keeper_test" "$TIMED"
stop_emulators
start_emulator TIMED --start-delay 300ms --time-scale 60 --conversion-start-delay 1s --conversion-duration 2s
check "cpp_conversions_keeper_test under valgrind memcheck: no errors, no definite leaks" \
  valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite --show-leak-kinds=definite \
  "$BUILD/cpp_conversions_keeper_test" "$TIMED"
stop_emulators

start_emulator FAST --start-delay 300ms
check "dlopen_test: dlopen, calls, free, arr_shutdown, dlclose; 20 times" "$BUILD/dlopen_test" "$ROOT/target/debug/libarr_session.so" "$FAST"
check "dlopen_test under valgrind memcheck: no errors, no definite leaks" \
  valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite --show-leak-kinds=definite \
  "$BUILD/dlopen_test" "$ROOT/target/debug/libarr_session.so" "$FAST"
stop_emulators

# The documented install step, then the two consumers.
check "cargo build --release -p arr-session-ffi" cargo build -q --release -p arr-session-ffi
check "libarr_session.so exports exactly the symbols in ffi/exported-symbols.txt" \
  bash -c "nm -D --defined-only target/release/libarr_session.so | awk '{print \$3}' | sort | diff - ffi/exported-symbols.txt"
PREFIX="$BUILD/prefix"
check "scripts/install-native.sh installs library, headers, pkg-config and CMake files" \
  scripts/install-native.sh "$PREFIX" release
export PKG_CONFIG_PATH="$PREFIX/lib/pkgconfig"
check "pkg-config --static lists the locked native libraries" \
  bash -c "pkg-config --static --libs arr_session | grep -q -- '$native_libs'"
check "examples/c builds with pkg-config (static link)" \
  bash -c "gcc -std=c99 -Wall -Wextra -Werror examples/c/lifecycle.c \$(pkg-config --cflags arr_session) \
           $PREFIX/lib/libarr_session.a \$(pkg-config --static --libs-only-l arr_session | sed 's/-larr_session//') -o $BUILD/lifecycle_c"
check "examples/c/conversion.c builds with pkg-config (static link)" \
  bash -c "gcc -std=c99 -Wall -Wextra -Werror examples/c/conversion.c \$(pkg-config --cflags arr_session) \
           $PREFIX/lib/libarr_session.a \$(pkg-config --static --libs-only-l arr_session | sed 's/-larr_session//') -o $BUILD/conversion_c"
check "examples/cpp configures with find_package(arr_session)" \
  cmake -S examples/cpp -B "$BUILD/cpp" -DCMAKE_PREFIX_PATH="$PREFIX" -DCMAKE_BUILD_TYPE=Release
check "examples/cpp builds" cmake --build "$BUILD/cpp"
check "examples/cpp builds with -fno-exceptions" \
  bash -c "cmake -S examples/cpp -B '$BUILD/cpp-noexc' -DCMAKE_PREFIX_PATH='$PREFIX' -DARR_EXAMPLE_NO_EXCEPTIONS=ON >/dev/null && cmake --build '$BUILD/cpp-noexc'"

start_emulator URL --start-delay 300ms
check "examples/c: lifecycle against the emulator" "$BUILD/lifecycle_c" "$(dev_config "$URL")"
check "examples/cpp: lifecycle against the emulator" "$BUILD/cpp/lifecycle_cpp" "$(dev_config "$URL")"
check "examples/cpp (-fno-exceptions): lifecycle against the emulator" "$BUILD/cpp-noexc/lifecycle_cpp" "$(dev_config "$URL")"
stop_emulators

# stop_emulators_checking_storage NAME FIXTURE_LINE: stops the emulators, then checks (as NAME) that no
# process serves the Azurite port of FIXTURE_LINE within 10 s.
stop_emulators_checking_storage() {
  local port
  port=$(printf '%s' "$2" | sed -n 's/.*BlobEndpoint=http:\/\/127\.0\.0\.1:\([0-9]*\).*/\1/p')
  stop_emulators
  check "$1 (port ${port:-unknown})" bash -c "[ -n '$port' ] && for i in \$(seq 100); do
      pgrep -f -- '--blobPort $port( |\$)' >/dev/null || exit 0; sleep 0.1; done; exit 1"
}

# The whole flow (a model uploaded to Azurite, converted, then a session) in C and C++.
check "build examples/storage_fixture (Azurite + an emulator linked to it)" cargo build -q --example storage_fixture
if start_storage_fixture FIXTURE; then
  CONFIG=$(json_field "$FIXTURE" config)
  SETTINGS=$(json_field "$FIXTURE" settings)
  check "examples/c: conversion then session against the emulator and local blob storage (Azurite)" "$BUILD/conversion_c" "$CONFIG" "$SETTINGS"
  check "examples/cpp: conversion then session against the emulator and local blob storage (Azurite)" "$BUILD/cpp/conversion_cpp" "$CONFIG" "$SETTINGS"
  FAILING=$(json_field "$FIXTURE" failing)
  check "preflight_test: settings check, SAS, lint, a failed conversion's result file (blocking and async)" \
    "$BUILD/preflight_test" "$CONFIG" "$(json_field "$FAILING" settings)" "$(json_field "$FAILING" resultsOptions)" \
    "$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["code"])' "$FAILING")" \
    "$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["title"])' "$FAILING")"
else
  check "the storage fixture is up (it needs Azurite, which scripts/test.sh installs)" false
fi
stop_emulators_checking_storage "the storage fixture's blob service is gone once the fixture's stdin closes" "$FIXTURE"
# The blob service is a process of its own: a fixture stopped with SIGTERM must stop it too.
FIXTURE=""
if start_storage_fixture FIXTURE; then
  kill -TERM "${EMULATOR_PIDS[0]}"
fi
stop_emulators_checking_storage "the storage fixture's blob service is gone once the fixture got SIGTERM" "$FIXTURE"

summary "C/C++"

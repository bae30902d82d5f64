#!/usr/bin/env bash
# Installs the C/C++ SDK into PREFIX: static and shared library, headers, a pkg-config file and a CMake
# package. Build the library first (`cargo build --release -p arr-session-ffi`).
#
#   scripts/install-native.sh PREFIX [PROFILE]     PROFILE: release (default) or debug
#
# Then: cc app.c $(PKG_CONFIG_PATH=PREFIX/lib/pkgconfig pkg-config --cflags --libs --static arr_session)
#   or: find_package(arr_session) with -DCMAKE_PREFIX_PATH=PREFIX, target arr_session::arr_session.
set -euo pipefail
if [ $# -lt 1 ]; then
  echo "usage: $0 PREFIX [release|debug]" >&2
  exit 2
fi
root=$(cd "$(dirname "$0")/.." && pwd)
prefix=$(mkdir -p "$1" && cd "$1" && pwd)
profile=${2:-release}
target="${CARGO_TARGET_DIR:-$root/target}/$profile"
for lib in libarr_session.a libarr_session.so; do
  if [ ! -f "$target/$lib" ]; then
    echo "$target/$lib is missing: run 'cargo build --profile ${profile/debug/dev} -p arr-session-ffi' first" >&2
    exit 1
  fi
done
version=$(sed -n 's/^version = "\(.*\)"/\1/p' "$root/Cargo.toml" | head -n 1)
minor=$(echo "$version" | cut -d. -f2)
# The native libraries the static library needs, as `rustc --print native-static-libs` reports them
# (tests/c/run.sh fails when this list goes stale).
libs=$(tr -s ' \n' ' ' < "$root/cmake/native-static-libs.txt" | sed 's/ *$//')
cmake_libs=$(echo "$libs" | sed -e 's/-l//g' -e 's/ /;/g')

mkdir -p "$prefix/lib/pkgconfig" "$prefix/lib/cmake/arr_session" "$prefix/include"
cp "$target/libarr_session.a" "$target/libarr_session.so" "$prefix/lib/"
cp "$root/include/arr_session.h" "$root/include/arr_session.hpp" "$prefix/include/"
substitute() {
  sed -e "s|@PREFIX@|$prefix|g" -e "s|@VERSION@|$version|g" -e "s|@VERSION_MINOR@|$minor|g" \
      -e "s|@NATIVE_STATIC_LIBS@|$libs|g" -e "s|@NATIVE_STATIC_LIBS_CMAKE@|$cmake_libs|g" "$1" > "$2"
}
substitute "$root/cmake/arr_session.pc.in" "$prefix/lib/pkgconfig/arr_session.pc"
substitute "$root/cmake/arr_sessionConfig.cmake.in" "$prefix/lib/cmake/arr_session/arr_sessionConfig.cmake"
substitute "$root/cmake/arr_sessionConfigVersion.cmake.in" "$prefix/lib/cmake/arr_session/arr_sessionConfigVersion.cmake"
echo "installed arr_session $version ($profile) into $prefix"

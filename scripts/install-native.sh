#!/usr/bin/env bash
# Installs the C/C++ SDK into PREFIX: static and shared library, headers, a pkg-config file and a CMake
# package.
#
#   scripts/install-native.sh PREFIX [PROFILE]     this machine's build: PROFILE release (default) or debug
#                                                  (build it first: cargo build --release -p arr-session-ffi)
#   scripts/install-native.sh --rid RID PREFIX     a platform's release build from target/native/RID
#                                                  (scripts/native.sh RID); what the C archives hold
#
# Layout: include/arr_session.h(pp); lib/libarr_session.{a,so} (Linux) or bin/arr_session.dll,
# lib/libarr_session.dll.a (import library) and lib/libarr_session.a (static, mingw-w64) (win-x64);
# lib/pkgconfig/arr_session.pc; lib/cmake/arr_session/. With --rid the tree is relocatable (pkg-config
# paths are relative to the .pc file, CMake's to its config file) and the CMake package declares itself
# unsuitable for any other platform.
# Then: cc app.c $(PKG_CONFIG_PATH=PREFIX/lib/pkgconfig pkg-config --cflags --libs --static arr_session)
#   or: find_package(arr_session) with -DCMAKE_PREFIX_PATH=PREFIX, target arr_session::arr_session.
set -euo pipefail
usage() {
  echo "usage: $0 PREFIX [release|debug]   or   $0 --rid linux-x64|linux-arm64|win-x64 PREFIX" >&2
  exit 2
}
root=$(cd "$(dirname "$0")/.." && pwd)
rid=
if [ "${1:-}" = --rid ]; then
  [ $# -eq 3 ] || usage
  rid=$2
  shift 2
fi
[ $# -ge 1 ] || usage
prefix=$(mkdir -p "$1" && cd "$1" && pwd)

# What goes where, and the platform the CMake package is for (empty: not checked).
system_name=
processor=
static_libs_file="$root/cmake/native-static-libs.txt"
case "$rid" in
  "")
    profile=${2:-release}
    from="${CARGO_TARGET_DIR:-$root/target}/$profile"
    libs=(libarr_session.a libarr_session.so)
    shared_location=lib/libarr_session.so
    shared_implib=
    pc_prefix=$prefix
    missing_hint="cargo build --profile ${profile/debug/dev} -p arr-session-ffi"
    ;;
  linux-x64 | linux-arm64 | win-x64)
    from="$root/target/native/$rid"
    missing_hint="bash scripts/native.sh $rid"
    pc_prefix='${pcfiledir}/../..'
    [ "$rid" = linux-x64 ] || static_libs_file="$root/cmake/native-static-libs-$rid.txt"
    if [ "$rid" = win-x64 ]; then
      libs=(arr_session.dll libarr_session.dll.a libarr_session.a)
      shared_location=bin/arr_session.dll
      shared_implib=lib/libarr_session.dll.a
      system_name=Windows
      processor='^(AMD64|x86_64|amd64|x64)$'
    else
      libs=(libarr_session.a libarr_session.so)
      shared_location=lib/libarr_session.so
      shared_implib=
      system_name=Linux
      processor='^(x86_64|amd64|AMD64)$'
      [ "$rid" = linux-arm64 ] && processor='^(aarch64|arm64|ARM64)$'
    fi
    ;;
  *) echo "install-native.sh: unknown rid '$rid' (built here: linux-x64 linux-arm64 win-x64)" >&2; exit 2 ;;
esac
for lib in "${libs[@]}"; do
  if [ ! -f "$from/$lib" ]; then
    echo "$from/$lib is missing: run '$missing_hint' first" >&2
    exit 1
  fi
done
version=$(sed -n 's/^version = "\(.*\)"/\1/p' "$root/Cargo.toml" | head -n 1)
minor=$(echo "$version" | cut -d. -f2)
# The native libraries the static library needs, as `rustc --print native-static-libs` reports them
# (tests/c/run.sh and tests/c/cross.sh fail when a list goes stale).
static_libs=$(tr -s ' \n' ' ' < "$static_libs_file" | sed 's/ *$//')
cmake_libs=$(echo "$static_libs" | sed -e 's/-l//g' -e 's/ /;/g')

mkdir -p "$prefix/lib/pkgconfig" "$prefix/lib/cmake/arr_session" "$prefix/include"
for lib in "${libs[@]}"; do
  case "$lib" in
    *.dll) mkdir -p "$prefix/bin" && cp "$from/$lib" "$prefix/bin/" ;;
    *) cp "$from/$lib" "$prefix/lib/" ;;
  esac
done
cp "$root/include/arr_session.h" "$root/include/arr_session.hpp" "$prefix/include/"
substitute() {
  local d=$'\001' # a delimiter no value contains (the processor pattern has '|')
  sed -e "s${d}@PREFIX@${d}$pc_prefix${d}g" -e "s${d}@VERSION@${d}$version${d}g" -e "s${d}@VERSION_MINOR@${d}$minor${d}g" \
      -e "s${d}@NATIVE_STATIC_LIBS@${d}$static_libs${d}g" -e "s${d}@NATIVE_STATIC_LIBS_CMAKE@${d}$cmake_libs${d}g" \
      -e "s${d}@SHARED_LOCATION@${d}$shared_location${d}g" -e "s${d}@SHARED_IMPLIB@${d}$shared_implib${d}g" \
      -e "s${d}@RID@${d}$rid${d}g" -e "s${d}@SYSTEM_NAME@${d}$system_name${d}g" -e "s${d}@PROCESSOR_REGEX@${d}$processor${d}g" "$1" > "$2"
}
substitute "$root/cmake/arr_session.pc.in" "$prefix/lib/pkgconfig/arr_session.pc"
substitute "$root/cmake/arr_sessionConfig.cmake.in" "$prefix/lib/cmake/arr_session/arr_sessionConfig.cmake"
substitute "$root/cmake/arr_sessionConfigVersion.cmake.in" "$prefix/lib/cmake/arr_session/arr_sessionConfigVersion.cmake"
echo "installed arr_session $version (${rid:-$profile}) into $prefix"

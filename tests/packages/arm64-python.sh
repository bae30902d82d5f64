#!/usr/bin/env bash
# Debian's arm64 CPython (python3.11-minimal, libpython3.11-stdlib and what they depend on, glibc included)
# unpacked into target/arm64-python/root, to run arm64 wheels under qemu-user:
#   qemu-aarch64 -L target/arm64-python/root target/arm64-python/root/usr/bin/python3.11 ...
# apt-get runs with its own state under target/arm64-python (package lists, an empty dpkg status, the
# downloaded .debs): nothing is installed on the machine, no architecture is added to dpkg. Kept once made.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
dir="$root/target/arm64-python"
packages=(python3.11-minimal libpython3.11-stdlib)
if [ -f "$dir/.done" ] && [ "$(cat "$dir/.done")" = "${packages[*]}" ]; then
  echo "target/arm64-python/root is there"
  exit 0
fi
rm -rf "$dir"
mkdir -p "$dir/lists/partial" "$dir/cache/archives/partial" "$dir/root"
touch "$dir/status"
apt=(-o APT::Architecture=arm64 -o APT::Architectures::=arm64 -o Dir::State::Lists="$dir/lists"
     -o Dir::State::status="$dir/status" -o Dir::Cache="$dir/cache" -o Debug::NoLocking=1)
apt-get "${apt[@]}" update -qq
apt-get "${apt[@]}" install -y -qq --download-only --no-install-recommends "${packages[@]}" >/dev/null
for deb in "$dir"/cache/archives/*.deb; do dpkg-deb -x "$deb" "$dir/root"; done
rm -rf "$dir/lists" "$dir/cache"
qemu-aarch64 -L "$dir/root" "$dir/root/usr/bin/python3.11" -c 'import ctypes, platform; print("arm64 python", platform.python_version(), platform.machine())'
echo "${packages[*]}" >"$dir/.done"

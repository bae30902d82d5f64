#!/usr/bin/env bash
# Builds every native library we ship, release profile (what apps ship), into target/native/<rid>/:
#   linux-x64/    libarr_session.so  libarr_session.a                        (x86_64-unknown-linux-gnu)
#   linux-arm64/  libarr_session.so  libarr_session.a                        (aarch64-unknown-linux-gnu)
#   win-x64/      arr_session.dll  libarr_session.dll.a (import library)  libarr_session.a (static, for
#                 mingw-w64 consumers)                                     (x86_64-pc-windows-gnu)
# installing what the builds need when it is missing: the rustup targets, Debian's mingw-w64 and aarch64
# cross gcc (as linkers). Other rids (android-arm64, win-arm64, uwp-arm64, osx-*, ios) cannot be built
# here: README's "Platforms" section has their recipes.
#
#   bash scripts/native.sh [RID...]        (default: linux-x64 linux-arm64 win-x64)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cargo_target="${CARGO_TARGET_DIR:-$root/target}"
out="$root/target/native"
ALL_RIDS=(linux-x64 linux-arm64 win-x64)
rids=("$@")
[ ${#rids[@]} -gt 0 ] || rids=("${ALL_RIDS[@]}")

# rid -> rust target triple, the Debian package with its linker, the files to collect.
triple() {
  case "$1" in
    linux-x64) echo x86_64-unknown-linux-gnu ;;
    linux-arm64) echo aarch64-unknown-linux-gnu ;;
    win-x64) echo x86_64-pc-windows-gnu ;;
    *) echo "native.sh: rid '$1' cannot be built here (buildable: ${ALL_RIDS[*]}); see README, Platforms" >&2
       return 2 ;;
  esac
}
linker_package() {
  case "$1" in
    linux-arm64) echo "aarch64-linux-gnu-gcc gcc-aarch64-linux-gnu" ;;
    win-x64) echo "x86_64-w64-mingw32-gcc gcc-mingw-w64-x86-64" ;;
  esac
}
outputs() {
  case "$1" in
    win-x64) echo "arr_session.dll libarr_session.dll.a libarr_session.a" ;;
    *) echo "libarr_session.so libarr_session.a" ;;
  esac
}

for rid in "${rids[@]}"; do triple "$rid" >/dev/null; done

# What is missing, installed once for all rids asked for.
packages=()
targets=()
installed_targets=$(rustup target list --installed 2>/dev/null || true)
host=$(rustc -vV | sed -n 's/^host: //p')
for rid in "${rids[@]}"; do
  t=$(triple "$rid")
  if [ "$t" != "$host" ] && ! grep -qx "$t" <<<"$installed_targets"; then targets+=("$t"); fi
  read -r command package <<<"$(linker_package "$rid")"
  if [ -n "${command:-}" ] && ! command -v "$command" >/dev/null; then packages+=("$package"); fi
done
if [ ${#targets[@]} -gt 0 ]; then
  echo "native.sh: rustup target add ${targets[*]}"
  rustup target add "${targets[@]}"
fi
if [ ${#packages[@]} -gt 0 ]; then
  echo "native.sh: apt-get install ${packages[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
fi

# The cross linkers by name (rustc picks x86_64-w64-mingw32-gcc for windows-gnu by itself).
export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER="${CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER:-aarch64-linux-gnu-gcc}"

for rid in "${rids[@]}"; do
  t=$(triple "$rid")
  started=$(date +%s)
  if [ "$t" = "$host" ]; then
    cargo build -q --release -p arr-session-ffi --manifest-path "$root/Cargo.toml"
    built="$cargo_target/release"
  else
    cargo build -q --release -p arr-session-ffi --manifest-path "$root/Cargo.toml" --target "$t"
    built="$cargo_target/$t/release"
  fi
  rm -rf "${out:?}/$rid"
  mkdir -p "$out/$rid"
  for file in $(outputs "$rid"); do
    cp "$built/$file" "$out/$rid/$file"
  done
  echo "native.sh: $rid ($t) in $(( $(date +%s) - started )) s:"
  (cd "$out/$rid" && for file in $(outputs "$rid"); do
     printf '  target/native/%s/%-22s %9d bytes  sha256 %s\n' "$rid" "$file" "$(stat -c %s "$file")" "$(sha256sum "$file" | cut -c1-16)"
   done)
done

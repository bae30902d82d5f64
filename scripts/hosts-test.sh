#!/usr/bin/env bash
# The host providers' tests against real engines: process, docker and a one-node swarm.
#
# Installs Debian's docker.io when dockerd is missing, starts dockerd when none answers (and stops only
# the one it started), builds the sample host (static, x86_64-unknown-linux-musl) into the local image
# arr-sample-host:local (FROM scratch), makes this engine a one-node swarm when it is not one (and
# leaves the swarm afterwards only if it made it), then runs emulator/tests/hosts_*.rs, and the quickstart
# and the Python and C# suites against the docker provider. Every container
# and service the tests make carries the label arr.test; whatever a failed test leaves is removed here.
set -euo pipefail
cd "$(dirname "$0")/.."
target=${CARGO_TARGET_DIR:-$PWD/target}

started_dockerd=""
made_swarm=""
cleanup() {
  local rc=$?
  if docker info >/dev/null 2>&1; then
    services=$(docker service ls -q --filter label=arr.test 2>/dev/null || true)
    [ -n "$services" ] && docker service rm $services >/dev/null 2>&1 || true
    containers=$(docker ps -aq --filter label=arr.test 2>/dev/null || true)
    [ -n "$containers" ] && docker rm -f $containers >/dev/null 2>&1 || true
    [ -n "$made_swarm" ] && docker swarm leave --force >/dev/null 2>&1 || true
  fi
  if [ -n "$started_dockerd" ]; then
    kill "$started_dockerd" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$started_dockerd" 2>/dev/null || break; sleep 0.1; done
  fi
  exit $rc
}
trap cleanup EXIT

if ! command -v dockerd >/dev/null 2>&1; then
  echo "hosts: installing Debian's docker.io"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q docker.io >/dev/null
fi
if ! docker info >/dev/null 2>&1; then
  echo "hosts: starting dockerd"
  dockerd --host unix:///var/run/docker.sock >"$target/hosts-dockerd.log" 2>&1 &
  started_dockerd=$!
  for _ in $(seq 1 300); do docker info >/dev/null 2>&1 && break; sleep 0.1; done
  docker info >/dev/null 2>&1 || { echo "dockerd did not come up:"; tail -20 "$target/hosts-dockerd.log"; exit 1; }
fi

echo "hosts: building the sample host image"
rustup target add x86_64-unknown-linux-musl >/dev/null 2>&1 || true
cargo build -q --release -p arr-sample-host --target x86_64-unknown-linux-musl
cargo build -q -p arr-sample-host
context=$(mktemp -d)
cp "$target/x86_64-unknown-linux-musl/release/arr-sample-host" sample-host/Dockerfile "$context/"
DOCKER_BUILDKIT=0 docker build -q -t arr-sample-host:local "$context" >/dev/null
rm -rf "$context"

if [ "$(docker info --format '{{.Swarm.LocalNodeState}}')" != "active" ]; then
  docker swarm init --advertise-addr 127.0.0.1 >/dev/null
  made_swarm=1
fi

export ARR_DOCKER_TESTS=1 ARR_SAMPLE_IMAGE=arr-sample-host:local
cargo test -p arr-emulator --test hosts_process --test hosts_docker

# The clients, unchanged, against sessions that are containers: the quickstart (both API versions) and the
# Python and C# suites, each against arr-emulator with the docker provider (scripts/hosts-docker-emulator.sh).
cargo build -q -p arr-emulator -p arr-session-ffi -p arr-cli
cargo build -q --example quickstart
docker_emulator=$PWD/scripts/hosts-docker-emulator.sh
echo "hosts: the quickstart against the docker provider (2021-01-01 and v1)"
emulator_out=$(mktemp)
"$docker_emulator" --listen 127.0.0.1:0 --start-delay 0s >"$emulator_out" 2>/dev/null </dev/null &
emulator_pid=$!
for _ in $(seq 1 100); do [ -s "$emulator_out" ] && break; sleep 0.1; done
url=$(head -n 1 "$emulator_out")
case "$url" in http://127.0.0.1:*) ;; *) echo "the docker-provider emulator did not start"; kill "$emulator_pid"; exit 1 ;; esac
quickstart() {
  env ARR_ENDPOINT="$url" ARR_ACCOUNT_DOMAIN="$url" ARR_ACCOUNT_ID=11111111-1111-1111-1111-111111111111 \
    ARR_ACCOUNT_KEY=YXJyLWVtdWxhdG9yLWRldmVsb3BtZW50LWtleQ== "$@" timeout 600 "$target/debug/examples/quickstart"
}
quickstart_rc=0
quickstart >/dev/null && quickstart ARR_API_VERSION=v1 >/dev/null || quickstart_rc=$?
# arr doctor against a Ready session whose host is a container: both of its ports accept a connection.
arr_cli() {
  env ARR_ENDPOINT="$url" ARR_ACCOUNT_DOMAIN="$url" ARR_ACCOUNT_ID=11111111-1111-1111-1111-111111111111 \
    ARR_ACCOUNT_KEY=YXJyLWVtdWxhdG9yLWRldmVsb3BtZW50LWtleQ== timeout 120 "$target/debug/arr" "$@"
}
doctor_rc=0
if [ "$quickstart_rc" = 0 ]; then
  arr_cli session create --id doctor-docker --wait >/dev/null || doctor_rc=$?
  doctor_out=$(arr_cli doctor --session doctor-docker) || doctor_rc=$?
  arr_cli session stop doctor-docker >/dev/null || true
  echo "$doctor_out"
  for port in handshakePort inspectorPort; do
    grep -q "^ok *$port" <<<"$doctor_out" || doctor_rc=1
  done
fi
kill "$emulator_pid"; wait "$emulator_pid" 2>/dev/null || true
rm -f "$emulator_out"
[ "$quickstart_rc" = 0 ] || { echo "the quickstart failed against the docker provider"; exit 1; }
echo "hosts: quickstart passed against the docker provider"
[ "$doctor_rc" = 0 ] || { echo "arr doctor --session did not reach the container's ports (exit $doctor_rc)"; exit 1; }
echo "hosts: arr doctor reached both ports of a Ready session's container"
echo "hosts: the C# suite against the docker provider"
ARR_EMULATOR="$docker_emulator" timeout 1200 bash bindings/csharp/run-tests.sh
echo "hosts: the Python suite against the docker provider"
ARR_EMULATOR="$docker_emulator" timeout 1200 python3 -m pytest bindings/python/tests -q -p no:cacheprovider

# Shared helpers for the shell test runners: counting checks and starting emulators.
# Source it; it sets ROOT and cleans up emulators on exit.

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PASSED=0
FAILED=0
FAILURES=()
EMULATOR_PIDS=()
EMULATOR_FDS=()

# check NAME COMMAND...: runs the command, prints ok/FAIL, counts it. Output is shown on failure. A command
# that hangs (a deadlock is one way a test of callbacks can fail) is killed after CHECK_TIMEOUT seconds.
check() {
  local name=$1
  shift
  local log
  log=$(mktemp)
  if timeout "${CHECK_TIMEOUT:-900}" "$@" >"$log" 2>&1; then
    PASSED=$((PASSED + 1))
    echo "ok   $name"
  else
    FAILED=$((FAILED + 1))
    FAILURES+=("$name")
    echo "FAIL $name"
    tail -n 40 "$log" | sed 's/^/     /'
  fi
  rm -f "$log"
}

# start_emulator VAR [FLAGS...]: starts target/debug/arr-emulator on a free loopback port and sets VAR
# to its base URL. It stops when this shell exits (its stdin is a pipe we hold open).
start_emulator() {
  local var=$1
  shift
  start_process "$var" "${ARR_EMULATOR:-$ROOT/target/debug/arr-emulator}" --quiet --exit-on-stdin-eof "$@"
}

# start_storage_fixture VAR: starts `examples/storage_fixture` (Azurite with a model uploaded, and an
# emulator linked to it) and sets VAR to the JSON line it prints (config and conversion settings).
start_storage_fixture() {
  start_process "$1" "$ROOT/target/debug/examples/storage_fixture"
}

# start_process VAR COMMAND...: starts a service that prints what to reach it by as its first line and
# lives until its stdin closes (a pipe this shell holds until stop_emulators or exit); sets VAR to that line.
start_process() {
  local var=$1
  shift
  local dir fd url
  dir=$(mktemp -d)
  mkfifo "$dir/in"
  "$@" <"$dir/in" >"$dir/out" 2>"$dir/err" &
  EMULATOR_PIDS+=($!)
  exec {fd}>"$dir/in"
  EMULATOR_FDS+=("$fd")
  for _ in $(seq 300); do
    url=$(head -n 1 "$dir/out" 2>/dev/null)
    [ -n "$url" ] && break
    sleep 0.1
  done
  if [ -z "$url" ]; then
    echo "$1 did not start:" >&2
    cat "$dir/err" >&2
    return 1
  fi
  printf -v "$var" '%s' "$url"
}

# stop_emulators: closes their stdin, which ends them (the storage fixture then stops its Azurite), and
# kills any still running after 10 s.
stop_emulators() {
  local fd pid
  for fd in "${EMULATOR_FDS[@]}"; do exec {fd}>&-; done
  for pid in "${EMULATOR_PIDS[@]}"; do
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill "$pid" 2>/dev/null
  done
  wait 2>/dev/null
  EMULATOR_FDS=()
  EMULATOR_PIDS=()
}
trap stop_emulators EXIT

# The client configuration JSON for the emulator's development account at URL.
dev_config() {
  printf '{"endpoint":"%s","stsEndpoint":"%s","accountId":"11111111-1111-1111-1111-111111111111","accountKey":"YXJyLWVtdWxhdG9yLWRldmVsb3BtZW50LWtleQ==","pollIntervalMs":100}' "$1" "$1"
}

# json_field JSON KEY: the value of a top-level KEY of JSON, as compact JSON.
json_field() {
  python3 -c 'import json,sys; print(json.dumps(json.loads(sys.argv[1])[sys.argv[2]]))' "$1" "$2"
}

# summary LABEL: prints the closing line and returns non-zero on any failure or when nothing ran.
summary() {
  echo "$1: $PASSED passed, $FAILED failed"
  for f in "${FAILURES[@]}"; do echo "  failed: $f"; done
  [ "$FAILED" -eq 0 ] && [ "$PASSED" -gt 0 ]
}

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
  local dir fd url
  dir=$(mktemp -d)
  mkfifo "$dir/in"
  "${ARR_EMULATOR:-$ROOT/target/debug/arr-emulator}" --quiet --exit-on-stdin-eof "$@" <"$dir/in" >"$dir/out" 2>"$dir/err" &
  EMULATOR_PIDS+=($!)
  exec {fd}>"$dir/in"
  EMULATOR_FDS+=("$fd")
  for _ in $(seq 100); do
    url=$(head -n 1 "$dir/out" 2>/dev/null)
    [ -n "$url" ] && break
    sleep 0.1
  done
  if [ -z "$url" ]; then
    echo "the emulator did not start:" >&2
    cat "$dir/err" >&2
    return 1
  fi
  printf -v "$var" '%s' "$url"
}

stop_emulators() {
  local fd pid
  for fd in "${EMULATOR_FDS[@]}"; do exec {fd}>&-; done
  for pid in "${EMULATOR_PIDS[@]}"; do kill "$pid" 2>/dev/null; done
  wait 2>/dev/null
  EMULATOR_FDS=()
  EMULATOR_PIDS=()
}
trap stop_emulators EXIT

# The client configuration JSON for the emulator's development account at URL.
dev_config() {
  printf '{"endpoint":"%s","stsEndpoint":"%s","accountId":"11111111-1111-1111-1111-111111111111","accountKey":"YXJyLWVtdWxhdG9yLWRldmVsb3BtZW50LWtleQ==","pollIntervalMs":100}' "$1" "$1"
}

# summary LABEL: prints the closing line and returns non-zero on any failure or when nothing ran.
summary() {
  echo "$1: $PASSED passed, $FAILED failed"
  for f in "${FAILURES[@]}"; do echo "  failed: $f"; done
  [ "$FAILED" -eq 0 ] && [ "$PASSED" -gt 0 ]
}

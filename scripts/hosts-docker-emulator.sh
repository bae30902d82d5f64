#!/usr/bin/env bash
# arr-emulator with the docker host provider and the sample host image, for running a client suite
# unchanged against real hosts (docs/hosts.md, "Tests and measurements"):
#
#   ARR_EMULATOR=$PWD/scripts/hosts-docker-emulator.sh python3 -m pytest bindings/python/tests -q
#   ARR_EMULATOR=$PWD/scripts/hosts-docker-emulator.sh bash bindings/csharp/run-tests.sh
#
# Needs a running dockerd and the image arr-sample-host:local (bash scripts/hosts-test.sh makes both).
# Every container carries the label arr.test=1, so a run that is killed can be cleaned up with
# `docker rm -f $(docker ps -aq --filter label=arr.test)`.
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
config=${CARGO_TARGET_DIR:-$here/target}/hosts-docker-emulator.toml
cat >"$config.$$" <<TOML
provider = "docker"
stop_grace = "2s"
[docker]
image = "${ARR_SAMPLE_IMAGE:-arr-sample-host:local}"
publish_address = "127.0.0.1"
labels = { "arr.test" = "1" }
TOML
mv "$config.$$" "$config"
# exec: the harness's signals and stdin reach the emulator itself.
exec "${ARR_EMULATOR_BINARY:-${CARGO_TARGET_DIR:-$here/target}/debug/arr-emulator}" --hosts-config "$config" "$@"

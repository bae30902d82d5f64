#!/usr/bin/env bash
# The pipeline converter's tools (docs/converter.md), pinned: Debian's assimp-utils (assimp) and, under
# target/converter-tools, npm's fbx2gltf (FBX2glTF; its binary ships without the execute bit) and
# @gltf-transform/cli (gltf-transform). Also Azurite under target/azurite, which the tests run against.
#
#   bash scripts/converter-tools.sh          install what is missing
#   bash scripts/converter-tools.sh test     install, then run the pipeline tests (emulator/tests/pipeline.rs)
#   bash scripts/converter-tools.sh flows    install, then run the Python, C# and CLI conversion flows against
#                                            the storage fixture with the pipeline converter (not part of CI)
set -eu
cd "$(dirname "$0")/.."
TOOLS=target/converter-tools
FBX2GLTF_VERSION=0.9.7
GLTF_TRANSFORM_VERSION=4.5.1

if ! command -v assimp >/dev/null; then
  echo "installing: assimp-utils"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq --no-install-recommends assimp-utils >/dev/null
fi
command -v prlimit >/dev/null || { apt-get update -qq && apt-get install -y -qq --no-install-recommends util-linux >/dev/null; }
command -v npm >/dev/null || { apt-get update -qq && apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null; }
installed() { [ -f "$TOOLS/node_modules/$1/package.json" ] && grep -q "\"version\": \"$2\"" "$TOOLS/node_modules/$1/package.json"; }
if ! installed fbx2gltf "$FBX2GLTF_VERSION" || ! installed @gltf-transform/cli "$GLTF_TRANSFORM_VERSION"; then
  echo "installing: fbx2gltf@$FBX2GLTF_VERSION @gltf-transform/cli@$GLTF_TRANSFORM_VERSION into $TOOLS"
  npm install --silent --no-audit --no-fund --prefix "$TOOLS" \
    "fbx2gltf@$FBX2GLTF_VERSION" "@gltf-transform/cli@$GLTF_TRANSFORM_VERSION" >/dev/null
fi
chmod +x "$TOOLS/node_modules/fbx2gltf/bin/Linux/FBX2glTF"
[ -x target/azurite/node_modules/.bin/azurite-blob ] \
  || npm install --silent --no-audit --no-fund --prefix target/azurite azurite@3.37.0 >/dev/null

if [ "${1:-}" = flows ]; then
  cargo build -q -p arr-session-ffi -p arr-emulator -p arr-cli -p arr-session --example storage_fixture
  export ARR_FIXTURE_CONVERTER=pipeline
  export ARR_STORAGE_FIXTURE="$PWD/target/debug/examples/storage_fixture"
  python3 -m pytest -q -p no:cacheprovider bindings/python/tests/test_conversion_example.py \
    bindings/python/tests/test_preflight.py
  csharp_out=$(mktemp -d)
  ARR_CSHARP_OUT="$csharp_out" bash bindings/csharp/run-tests.sh Conversion
  rm -rf "$csharp_out"
  # The CLI: convert the fixture's model, wait, read the result file back; the asset must be a GLB. The
  # fixture stops (and stops its Azurite) when its stdin closes, or at SIGTERM if this script fails.
  coproc FIXTURE { "$ARR_STORAGE_FIXTURE"; }
  fixture_pid=$FIXTURE_PID
  trap 'kill -TERM "$fixture_pid" 2>/dev/null; wait "$fixture_pid" 2>/dev/null' EXIT
  read -r fixture_json <&"${FIXTURE[0]}"
  eval "$(python3 -c '
import json, shlex, sys
d = json.loads(sys.argv[1]); c = d["config"]; i = d["settings"]["inputLocation"]; o = d["settings"]["outputLocation"]
for k, v in {"ARR_ENDPOINT": c["endpoint"], "ARR_ACCOUNT_DOMAIN": c["endpoint"], "ARR_ACCOUNT_ID": c["accountId"],
             "ARR_ACCOUNT_KEY": c["accountKey"], "IN": i["storageContainerUri"], "IN_SAS": i["storageContainerReadListSas"],
             "OUT": o["storageContainerUri"], "OUT_SAS": o["storageContainerWriteSas"]}.items():
    print(f"export {k}={shlex.quote(v)}")
' "$fixture_json")"
  shown=$(target/debug/arr conversion create --input-container "$IN" --input-prefix vehicles --input car.glb \
    --output-container "$OUT" --output-prefix cli-flow --output-name car.arrAsset \
    --input-sas "$IN_SAS" --output-sas "$OUT_SAS" --wait 2>&1)
  echo "$shown"
  grep -q "status        Succeeded" <<<"$shown"
  curl -sf "$OUT/cli-flow/car.arrAsset$OUT_SAS" | head -c 4 | grep -q glTF
  echo "cli: the conversion succeeded and its asset is a GLB"
  fixture_in=${FIXTURE[1]}
  exec {fixture_in}>&-
  wait "$fixture_pid" || true
  trap - EXIT
  exit 0
fi
if [ "${1:-}" = test ]; then
  # The tests are #[ignore]d in the workspace run (the tools are installed here, after it).
  exec cargo test -q -p arr-emulator --test pipeline -- --ignored --test-threads 2
fi

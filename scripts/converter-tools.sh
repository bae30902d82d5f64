#!/usr/bin/env bash
# The pipeline converter's tools (docs/converter.md), pinned: Debian's assimp-utils (assimp) and, under
# target/converter-tools, npm's fbx2gltf (FBX2glTF; its binary ships without the execute bit) and
# @gltf-transform/cli (gltf-transform). Also Azurite under target/azurite, which the tests run against.
#
#   bash scripts/converter-tools.sh          install what is missing
#   bash scripts/converter-tools.sh test     install, then run the pipeline tests (emulator/tests/pipeline.rs)
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

if [ "${1:-}" = test ]; then
  # The tests are #[ignore]d in the workspace run (the tools are installed here, after it).
  exec cargo test -q -p arr-emulator --test pipeline -- --ignored --test-threads 2
fi

#!/usr/bin/env bash
# The dashboard's browser tests: installs what they need, builds the Rust driver, runs them in headless
# Chromium. Debian's chromium comes from apt (playwright never downloads a browser here); playwright-core
# from npm goes under target/playwright, as Azurite goes under target/azurite. The last line of the run is
# "N passed, N failed".
#
#   bash emulator/tests/browser/run.sh
set -eu
cd "$(dirname "$0")/../../.."
PLAYWRIGHT_CORE_VERSION=1.65.2
AZURITE_VERSION=3.37.0
if [ ! -x /usr/bin/chromium ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq --no-install-recommends chromium >/dev/null
fi
command -v npm >/dev/null || { apt-get update -qq && apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null; }
[ -f target/playwright/node_modules/playwright-core/package.json ] \
  || npm install --silent --no-audit --no-fund --prefix target/playwright "playwright-core@$PLAYWRIGHT_CORE_VERSION" >/dev/null
[ -x target/azurite/node_modules/.bin/azurite-blob ] \
  || npm install --silent --no-audit --no-fund --prefix target/azurite "azurite@$AZURITE_VERSION" >/dev/null
cargo build -q -p arr-emulator --example dashboard_driver
timeout 600 node emulator/tests/browser/dashboard.test.mjs

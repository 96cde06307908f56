#!/usr/bin/env bash
# Runs every test of the project (the README's test command; .ci/run calls it too).
# Set QUICK=1 to skip the slow browser-driven steps while developing.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
export PATH="$root/tests/node_modules/.bin:$PATH"
start=$(date +%s)
step() { printf '\n--- [%4ss] %s\n' $(( $(date +%s) - start )) "$*"; }
passed=0
failed=0
record() { if [ "$1" -eq 0 ]; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAILED: $2"; fi; }
run() { local name=$1; shift; step "$name"; set +e; "$@"; local rc=$?; set -e; record $rc "$name"; }

[ -d tests/node_modules ] || (cd tests && npm install --no-audit --no-fund --loglevel=error)

run "native tests (cargo test)" cargo test --quiet
run "emulator tests (node --test)" node --test tests/emulator/
step "build the npm package (pkg-template/build.sh)"
pkg-template/build.sh
run "wasm-bindgen tests in Node" env CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
  cargo test --quiet --target wasm32-unknown-unknown --test wasm_node
if [ "${QUICK:-0}" != 1 ]; then
  run "wasm-bindgen tests in headless Chromium" env CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
    WASM_BINDGEN_USE_BROWSER=1 cargo test --quiet --target wasm32-unknown-unknown --test wasm_browser
fi

step "summary"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]

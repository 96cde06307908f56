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
# The browser steps drive Debian's Chromium (wasm-bindgen's runner through chromedriver,
# playwright-core directly): install both when missing and possible.
if [ "${QUICK:-0}" != 1 ] && { ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; }; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    step "installing chromium + chromium-driver (apt-get)"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null
  else
    echo "chromium and chromium-driver are needed for the browser tests: install them, or run with QUICK=1" >&2
    exit 1
  fi
fi

run "native tests (cargo test)" cargo test --quiet
run "emulator tests (node --test)" node --test tests/emulator/
step "build the npm package (pkg-template/build.sh)"
# The package the tests load is pkg/, with its imports renamed and its glue minified, whatever
# a developer's shell exports for private builds.
env -u PKG_OUT_DIR -u KEEP_NAMES pkg-template/build.sh
# The wasm-bindgen tests talk to a local emulator; its URL is compiled into the test binary.
emu_log=$(mktemp)
node tests/emulator/index.mjs --port 0 --rate 100 --quiet > "$emu_log" &
emu_pid=$!
trap 'kill $emu_pid 2>/dev/null || true' EXIT
for _ in $(seq 50); do grep -q AUTOPILOT_EMULATOR_URL "$emu_log" && break; sleep 0.1; done
export AUTOPILOT_EMULATOR_URL=$(sed -n 's/^AUTOPILOT_EMULATOR_URL=//p' "$emu_log")
wasm_test() { env CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner "$@" \
  cargo test --target wasm32-unknown-unknown --test "${WASM_TEST}"; }
WASM_TEST=wasm_node run "wasm-bindgen tests in Node" wasm_test
if [ "${QUICK:-0}" != 1 ]; then
  WASM_TEST=wasm_browser run "wasm-bindgen tests in headless Chromium" wasm_test WASM_BINDGEN_USE_BROWSER=1
fi
kill $emu_pid 2>/dev/null || true

only=""; [ "${QUICK:-0}" = 1 ] && only="--only node,deno,bun,workerd"
run "package conformance (node, deno, bun, workerd, chromium)" node tests/conformance/run.mjs $only
run "npm pack + install from the tarball" node --test tests/pack/
run "TypeScript consumer (tsc --strict)" tests/types/check.sh
run "CLI and demo end to end (node --test tests/cli/)" node --test tests/cli/
if [ "${QUICK:-0}" != 1 ]; then
  run "admin page end to end in Chromium (node --test tests/page/)" node --test tests/page/
  run "browser extension in Chromium (node --test tests/extension/)" node --test tests/extension/
fi
run "README examples (Node, Chromium, workerd)" node --test tests/readme/
run "edge worker with Durable Objects in workerd (node --test tests/worker/)" node --test tests/worker/

# Short benchmarks print their numbers (they fail only if an export breaks); the soak,
# corpus and secret checks end with PASS/FAIL. Long versions: see tests/bench/README.md.
run "bench: export vs the rate-limit floor (short)" node tests/bench/export-rate.mjs --short
run "bench: preparation speed (short)" node tests/bench/prepare.mjs --short
run "bench: size and memory (short)" node tests/bench/size-memory.mjs --short
run "bench: edge worker slices vs the rate-limit floor (short)" node tests/bench/worker-slices.mjs --short
run "bench: a 1 % refresh vs a full export (short)" node tests/bench/refresh.mjs --short
run "soak: faults (short)" node tests/soak/fault-soak.mjs --short
run "soak: crash and resume (short)" node tests/soak/resume-soak.mjs --short
run "soak: secret hygiene (API and CLI)" node tests/soak/secrets.mjs
run "bad-input corpus" node tests/corpus/run.mjs

step "summary"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]

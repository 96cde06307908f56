#!/usr/bin/env bash
# Compares the generated .d.ts with tests/types/golden.d.ts, then type-checks
# tests/types/consumer.ts against the BUILT package's .d.ts (pkg/), resolved by
# name through node_modules/autopilot-export -> pkg/ and pkg/package.json "exports"
# ("types" condition), with `tsc --strict` under two module resolutions: bundler and NodeNext.
# Needs pkg/ (pkg-template/build.sh) and tests/node_modules/.bin/tsc.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
tsc="$root/tests/node_modules/.bin/tsc"
cd "$here"
[ -f "$root/pkg/package.json" ] || { echo "types: no pkg/; run pkg-template/build.sh first" >&2; exit 2; }
[ -x "$tsc" ] || { echo "types: $tsc missing; run npm install in tests/" >&2; exit 2; }
if [ ! -e node_modules/autopilot-export/package.json ]; then
  timeout 120 npm install --offline --no-audit --no-fund --no-package-lock --loglevel=error
fi
status=0
# The .d.ts is generated from the Rust types (tsify + wasm-bindgen); the golden copy makes every
# change of the public types visible in review. UPDATE_GOLDEN=1 rewrites it.
# wasm-bindgen's closure shims (internal exports of InitOutput) are named by a symbol hash that
# moves, and reorders them, with unrelated code: left out, so that the golden copy shows
# changes of the API, not of the build.
normalize() { sed -E '/__invoke__h[0-9a-f]{16}/d'; }
if [ "${UPDATE_GOLDEN:-0}" = 1 ]; then
  normalize < "$root/pkg/autopilot_export.d.ts" > "$here/golden.d.ts"
  echo "types: golden.d.ts updated"
elif diff -u "$here/golden.d.ts" <(normalize < "$root/pkg/autopilot_export.d.ts") > "${TMPDIR:-/tmp}/apx-golden.diff"; then
  echo "types: the generated .d.ts equals tests/types/golden.d.ts"
else
  head -n 60 "${TMPDIR:-/tmp}/apx-golden.diff"
  echo "types: FAILED: the generated .d.ts differs from tests/types/golden.d.ts (run UPDATE_GOLDEN=1 tests/types/check.sh after checking the change)"
  status=1
fi
for cfg in tsconfig.json tsconfig.nodenext.json; do
  if timeout 120 "$tsc" -p "$cfg" --noEmit --strict --pretty false; then
    echo "types: ok ($cfg, $("$tsc" --version))"
  else
    echo "types: FAILED ($cfg)"
    status=1
  fi
done
exit $status

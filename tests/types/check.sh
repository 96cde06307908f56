#!/usr/bin/env bash
# Type-checks tests/types/consumer.ts against the BUILT package's .d.ts (pkg/), resolved by
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
for cfg in tsconfig.json tsconfig.nodenext.json; do
  if timeout 120 "$tsc" -p "$cfg" --noEmit --strict --pretty false; then
    echo "types: ok ($cfg, $("$tsc" --version))"
  else
    echo "types: FAILED ($cfg)"
    status=1
  fi
done
exit $status

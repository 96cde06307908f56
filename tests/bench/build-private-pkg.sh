#!/usr/bin/env bash
# Builds a private copy of the npm package (the steps of pkg-template/build.sh, without its
# remapping of source paths, which changes only the panic locations' file names) into $1
# (default /work/target-bench/pkg), with its own cargo target dir, so that long benchmark or
# soak runs are not disturbed by a concurrent rebuild of pkg/. Use it with
#   AUTOPILOT_PKG_DIR=/work/target-bench/pkg node tests/bench/export-rate.mjs --long
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
out=${1:-/work/target-bench/pkg}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-/work/target-bench}
cd "$root"
if [ ! -x tests/node_modules/.bin/terser ]; then
  (cd tests && npm install --no-audit --no-fund --loglevel=error)
fi
# RUSTFLAGS replaces .cargo/config.toml's rustflags (the measured LLVM options): wanted when
# comparing builds with other options, a surprise otherwise.
if [ -n "${RUSTFLAGS+set}${CARGO_ENCODED_RUSTFLAGS+set}" ]; then
  echo "warning: RUSTFLAGS (or CARGO_ENCODED_RUSTFLAGS) is set: built without .cargo/config.toml's LLVM options" >&2
fi
cargo build --quiet --release --target wasm32-unknown-unknown --lib
tmp=$(mktemp -d)
names=(--remove-name-section); opt_g=()
if [ "${KEEP_NAMES:-0}" = 1 ]; then names=(); opt_g=(-g); fi
wasm-bindgen --target web --out-dir "$tmp" --out-name autopilot_export \
  "${names[@]}" --remove-producers-section \
  "$CARGO_TARGET_DIR/wasm32-unknown-unknown/release/autopilot_export.wasm"
tests/node_modules/.bin/wasm-opt -O3 "${opt_g[@]}" --strip-target-features "$tmp/autopilot_export_bg.wasm" -o "$tmp/autopilot_export_bg.wasm"
# The glue minified as pkg-template/build.sh does (left readable with KEEP_NAMES=1, for profiles).
if [ "${KEEP_NAMES:-0}" != 1 ]; then
  tests/node_modules/.bin/terser "$tmp/autopilot_export.js" --module --compress --mangle \
    --comments '/@ts-self-types/' -o "$tmp/glue.min.js"
  mv "$tmp/glue.min.js" "$tmp/autopilot_export.js"
fi
errors_js=$(cd "$tmp" && grep -rl 'class AutopilotExportError' snippets | head -n 1)
printf "export { AutopilotExportError, isAutopilotExportError } from './%s';\n" "$errors_js" > "$tmp/errors.js"
for f in pkg-template/*; do
  case "$(basename "$f")" in build.sh) ;; *) cp -R "$f" "$tmp/" ;; esac
done
rm -rf "$out"
mkdir -p "$(dirname "$out")"
mv "$tmp" "$out"
echo "built $out ($(stat -c %s "$out/autopilot_export_bg.wasm") bytes wasm) from $(git -C "$root" rev-parse --short HEAD)+worktree"

#!/usr/bin/env bash
# Builds a private copy of the npm package (pkg-template/build.sh, with its own output folder)
# into $1 (default /work/target-bench/pkg), with its own cargo target dir, so that long
# benchmark or soak runs are not disturbed by a concurrent rebuild of pkg/. Use it with
#   AUTOPILOT_PKG_DIR=/work/target-bench/pkg node tests/bench/export-rate.mjs --long
# KEEP_NAMES=1 keeps the function names and a readable glue, for CPU profiles.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
out=${1:-/work/target-bench/pkg}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-/work/target-bench}
PKG_OUT_DIR="$out" "$root/pkg-template/build.sh"
echo "built $out ($(stat -c %s "$out/autopilot_export_bg.wasm") bytes wasm) from $(git -C "$root" rev-parse --short HEAD)+worktree"

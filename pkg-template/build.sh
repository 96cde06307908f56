#!/usr/bin/env bash
# Builds the npm package into pkg/ (ignored by git):
#   cargo build (wasm32) -> wasm-bindgen --target web -> wasm-opt (flags below)
#   -> short import names (minify-imports.mjs) -> terser (JS glue) -> template files.
# Installs what it needs when missing: the wasm32 target, wasm-bindgen-cli at exactly the
# crate's version, and the npm dev packages of tests/ (binaryen's wasm-opt among them).
#
# Environment (for tests/bench/build-private-pkg.sh): PKG_OUT_DIR, the folder to build into
# (default pkg/; relative to the caller's folder; it is replaced, so an existing folder there
# must be a package this script built); KEEP_NAMES=1 keeps the function names (wasm-opt -g),
# the glue readable and the imports' own names, for CPU profiles.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out="${PKG_OUT_DIR:-$root/pkg}"
case $out in /*) ;; *) out=$(pwd)/$out ;; esac
if [ -n "${PKG_OUT_DIR:-}" ] && [ -e "$out" ] && ! { [ -f "$out/autopilot_export_bg.wasm" ] \
  && grep -q '"name": "autopilot-export"' "$out/package.json" 2>/dev/null; }; then
  echo "build.sh: PKG_OUT_DIR=$out exists and is not a package built here; not replacing it" >&2
  exit 1
fi
keep_names=${KEEP_NAMES:-0}
cd "$root"
log() { printf '[build] %s\n' "$*" >&2; }

# 1. Rust target.
if ! rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
  log "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

# 2. wasm-bindgen-cli at the exact version of the wasm-bindgen crate in Cargo.lock.
want=$(awk '/^name = "wasm-bindgen"$/{getline; gsub(/version = |"/, ""); print; exit}' Cargo.lock)
have=$(wasm-bindgen --version 2>/dev/null | awk '{print $2}' || true)
if [ "$have" != "$want" ]; then
  log "installing wasm-bindgen-cli $want (found '${have:-none}'); this takes several minutes"
  cargo install wasm-bindgen-cli --version "$want" --locked \
    || cargo install wasm-bindgen-cli --version "$want"
fi

# 3. npm dev packages (wasm-opt from binaryen 132; Debian's binaryen is too old; terser).
if [ ! -x tests/node_modules/.bin/wasm-opt ] || [ ! -x tests/node_modules/.bin/terser ]; then
  log "installing npm dev packages in tests/"
  (cd tests && npm install --no-audit --no-fund --loglevel=error)
fi

# 4. Compile, bind, optimise.
log "cargo build --release --target wasm32-unknown-unknown"
# Panic locations name their source files. The toolchain's and the registry's copies sit
# under this machine's home; they are named as the toolchain names its own prebuilt sources
# (/rustc/<commit>) and /cargo/registry/src, so that the module carries no build machine's
# paths and is the same wherever this toolchain builds it (78 B gzip less, measured).
# `--config` arrays are appended to .cargo/config.toml's rustflags; RUSTFLAGS would replace
# both.
if [ -n "${RUSTFLAGS+set}${CARGO_ENCODED_RUSTFLAGS+set}" ]; then
  log "warning: RUSTFLAGS (or CARGO_ENCODED_RUSTFLAGS) is set, so cargo ignores .cargo/config.toml's rustflags (the measured LLVM options) and the path remapping"
fi
commit=$(rustc -vV | sed -n 's/^commit-hash: //p')
# A relative CARGO_HOME is cargo's, from this folder (the script is in $root by now).
cargo_home=${CARGO_HOME:-${HOME:-}/.cargo}
case $cargo_home in /*) ;; *) cargo_home=$(pwd -P)/$cargo_home ;; esac
remap="'--remap-path-prefix=$(rustc --print sysroot)/lib/rustlib/src/rust=/rustc/$commit'"
remap="$remap, '--remap-path-prefix=$cargo_home/registry/src=/cargo/registry/src'"
cargo build --quiet --release --target wasm32-unknown-unknown --lib \
  --config "target.wasm32-unknown-unknown.rustflags=[$remap]"
# Build into a fresh folder and swap it in at the end, so that a running test never sees a
# half-written pkg/.
final="$out"
out=$(mktemp -d "$root/.pkg-build.XXXXXX")
trap 'rm -rf "$out"' EXIT
# The function names stay in for wasm-opt, which orders the functions by them (below) and
# writes no name section (no `-g`).
wasm-bindgen --target web --out-dir "$out" --out-name autopilot_export \
  --remove-producers-section \
  "${CARGO_TARGET_DIR:-target}/wasm32-unknown-unknown/release/autopilot_export.wasm"
# wasm-opt's flags (issue 15, measured in tests/bench/README.md, "Build settings" and the
# fifteenth round):
# - `-ocimfs=30`: a function with one caller is inlined only when it is at most 30 bytes
#   (binaryen's default inlines every such function: larger functions that compress worse;
#   LLVM has made its inlining choices before);
# - `-fimfs=5`: "lightweight" functions inlined up to 5 bytes instead of 20;
# - `--reorder-functions-by-name`: functions ordered by their Rust paths, so that a module's
#   code sits together and gzip finds its repeats within its window.
# wasm-bindgen has read the target_features section by now; the runtimes do not need it.
wasm_opt_flags=(-O3 -ocimfs=30 -fimfs=5 --reorder-functions-by-name --strip-target-features)
if [ "$keep_names" = 1 ]; then wasm_opt_flags+=(-g); fi
tests/node_modules/.bin/wasm-opt "${wasm_opt_flags[@]}" "$out/autopilot_export_bg.wasm" -o "$out/autopilot_export_bg.wasm"

if [ "$keep_names" != 1 ]; then
  # The imports from the glue get short names, in the module and in the glue (see the script).
  node pkg-template/minify-imports.mjs "$out/autopilot_export_bg.wasm" "$out/autopilot_export.js" \
    ./autopilot_export_bg.js
  # The JS glue every runtime loads, minified (terser): 9,214 -> 4,736 B gzip when measured
  # (issue 15, tests/bench/README.md; 3,362 B with the short import names). Generated code:
  # its API documentation is the .d.ts, which keeps every doc comment. The `@ts-self-types`
  # comment Deno reads is kept.
  tests/node_modules/.bin/terser "$out/autopilot_export.js" --module --compress --mangle \
    --comments '/@ts-self-types/' -o "$out/glue.min.js"
  mv "$out/glue.min.js" "$out/autopilot_export.js"
fi

# The error class lives in a wasm-bindgen snippet (src/wasm/convert.rs); the entries re-export
# it from a fixed path, so that `instanceof AutopilotExportError` works on the package's export.
errors_js=$(cd "$out" && grep -rl 'class AutopilotExportError' snippets | head -n 1)
[ -n "$errors_js" ] || { echo "the AutopilotExportError snippet was not found" >&2; exit 1; }
printf "export { AutopilotExportError, isAutopilotExportError } from './%s';\n" "$errors_js" > "$out/errors.js"

# 5. Template files around the output.
for f in "$root"/pkg-template/*; do
  case "$(basename "$f")" in build.sh | minify-imports.mjs) ;; *) cp -R "$f" "$out/" ;; esac
done
version=$(awk -F'"' '/^version = /{print $2; exit}' Cargo.toml)
sed -i "s/\"version\": \"0.0.0-template\"/\"version\": \"$version\"/" "$out/package.json"

# 6. Swap in.
mkdir -p "$(dirname "$final")"
old=$(mktemp -d "$root/.pkg-old.XXXXXX")
[ -d "$final" ] && mv "$final" "$old/pkg"
mv "$out" "$final"
rm -rf "$old"
out="$final"
trap - EXIT

# 7. Sizes.
wasm=$(stat -c %s "$out/autopilot_export_bg.wasm")
wasm_gz=$(gzip -9c "$out/autopilot_export_bg.wasm" | wc -c)
js_files=("$out"/autopilot_export.js "$out"/errors.js "$out"/node.js "$out"/browser.js "$out"/workerd.js)
while IFS= read -r f; do js_files+=("$f"); done < <(find "$out/snippets" -name '*.js' 2>/dev/null)
glue=$(cat "${js_files[@]}" | wc -c)
glue_gz=$(cat "${js_files[@]}" | gzip -9c | wc -c)
printf 'size: wasm %d bytes (gzip %d), JS glue + entries %d bytes (gzip %d), total gzip %d bytes\n' \
  "$wasm" "$wasm_gz" "$glue" "$glue_gz" $((wasm_gz + glue_gz))

#!/usr/bin/env bash
# Assembles the Manifest V3 extension into www/extension/dist/ (ignored by git), a folder
# Chrome loads with "Load unpacked":
#   - the admin page's own files (www/*.html, *.css, *.js) with one swap: this folder's
#     exporter.js takes the place of www/exporter.js (every call goes to the service worker,
#     which runs a copy of www/exporter.js there: lib/page-exporter.sw.js); index.html gets
#     the extension's panel (lib/panel.js);
#   - sw.js and lib/ (service worker and panel modules), the built package at pkg/ (the
#     files a browser loads), icons drawn by icons.mjs, manifest.json from manifest.mjs.
# Usage: www/extension/build.sh [--test] [--out DIR]
#   --test     loopback host permissions for the local emulator and file server (tests only)
#   --out DIR  build into DIR instead of www/extension/dist (tests build into a temp folder)
# AUTOPILOT_PKG_DIR overrides the package directory (default: pkg/ at the repository root,
# built by pkg-template/build.sh).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
www=$(dirname "$here")
root=$(dirname "$www")
pkg=${AUTOPILOT_PKG_DIR:-$root/pkg}
test_flag=
dest="$here/dist"
while [ $# -gt 0 ]; do
  case "$1" in
    --test) test_flag=--test ;;
    --out) dest=${2:?--out needs a folder}; shift ;;
    *) echo "usage: $0 [--test] [--out DIR]" >&2; exit 2 ;;
  esac
  shift
done
for f in autopilot_export.js autopilot_export_bg.wasm browser.js node.js package.json; do
  [ -f "$pkg/$f" ] || { echo "build: $pkg has no built package ($f missing): run pkg-template/build.sh first" >&2; exit 1; }
done

mkdir -p "$(dirname "$dest")"
out=$(mktemp -d "$(dirname "$dest")/.dist-build.XXXXXX")
trap 'rm -rf "$out"' EXIT

fail() { echo "build: $*" >&2; exit 1; }

# 1. The page, with exporter.js swapped for the extension's (same exported names).
for f in "$www"/*.html "$www"/*.css "$www"/*.js; do
  [ -f "$f" ] || continue
  case "$(basename "$f")" in exporter.js) ;; *) cp "$f" "$out/" ;; esac
done
cp "$here/exporter.js" "$out/exporter.js"
names() { grep -oE '^export (async )?function [A-Za-z0-9_]+' "$1" | awk '{print $NF}' | sort | tr '\n' ' '; }
[ "$(names "$www/exporter.js")" = "$(names "$here/exporter.js")" ] \
  || fail "www/exporter.js exports [$(names "$www/exporter.js")] but www/extension/exporter.js [$(names "$here/exporter.js")]: forward the new functions"

grep -q '</head>' "$out/index.html" || fail "www/index.html has no </head> to add the panel to"
sed -i 's#</head>#  <link rel="stylesheet" href="lib/panel.css">\n  <script type="module" src="lib/panel.js"></script>\n</head>#' "$out/index.html"

# 2. Service worker and the extension's modules; the page's exporter for the worker: the
#    same module with its one package import pointing at lib/package.js (the worker's core).
cp "$here/sw.js" "$out/sw.js"
mkdir -p "$out/lib"
cp "$here"/lib/*.js "$here"/lib/*.css "$out/lib/"
pattern="^import \* as pkg from '[^']*';\$"
[ "$(grep -c "$pattern" "$www/exporter.js")" = 1 ] || fail "www/exporter.js: expected exactly one line \"import * as pkg from '…';\""
sed "s#$pattern#import * as pkg from './package.js';#" "$www/exporter.js" > "$out/lib/page-exporter.sw.js"

# 3. The package: what a browser loads (its JS modules and the .wasm; no CLI, no Node or
#    workerd entry, no type declarations).
mkdir -p "$out/pkg"
for f in "$pkg"/*.js "$pkg"/autopilot_export_bg.wasm "$pkg"/package.json; do
  case "$(basename "$f")" in node.js|workerd.js) ;; *) cp "$f" "$out/pkg/" ;; esac
done
[ -d "$pkg/snippets" ] && cp -R "$pkg/snippets" "$out/pkg/"

# 4. Icons and manifest (the API origin comes from the built core).
node "$here/icons.mjs" "$out/icons"
node "$here/manifest.mjs" "$pkg" $test_flag > "$out/manifest.json"

# 5. Swap in.
rm -rf "$dest"
mv "$out" "$dest"
trap - EXIT
echo "extension: $dest${test_flag:+ (test build)}"

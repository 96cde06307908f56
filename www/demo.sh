#!/usr/bin/env bash
# The main job, end to end, on this machine: builds the package when it is missing or older
# than its sources, starts the local Autopilot emulator, exports the bundled sample segments
# (www/sample/) with the package's command-line tool (progress bar on the terminal), prints
# what the run report says and what "Autopilot" now holds, then runs a scheduled refresh
# after a change of the sample (5 contacts changed, 12 left, 3 new in "Churn risk"; mirror
# mode) and prints what the refresh sent, then serves the admin page against the same
# emulator until Ctrl-C. Everything it started is stopped when it exits.
#
#   www/demo.sh [--port N] [--no-serve] [--rate N] [--out DIR] [--state-file FILE] [--no-build]
#
#   --port N           port of the admin page (default 8080)
#   --no-serve         stop after the export and the summary (used by the tests)
#   --rate N           requests per second, for the CLI and the emulator's throttle (default:
#                      the package's default rate, Autopilot's documented limit)
#   --out DIR          where the run reports, the checkpoint and the sync state are written and
#                      kept after the demo ends (default: autopilot-demo/ in the temp folder)
#   --state-file FILE  also write the emulator's final state (contacts, lists, counters) as JSON
#   --no-build         never build: use pkg/ as it is (fail if it is missing)
#
# Prints, after the export and after the refresh, one machine-readable line each:
#   DEMO_RESULT status=succeeded exported=N contacts=N lists=N memberships=N requests=N
#   DEMO_REFRESH status=succeeded sent=N unchanged=N removed=N requests=N
# Needs Node.js 20+; building needs Rust (rustup) — pkg-template/build.sh installs the rest.
set -euo pipefail
caller=$(pwd)
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

port=8080
serve=1
rate=""
state_file=""
out_dir="${TMPDIR:-/tmp}/autopilot-demo"
build=auto
usage() { sed -n '2,24p' "$0" | sed 's/^# \{0,1\}//'; }
die() { printf 'demo: %s\n' "$*" >&2; exit 1; }
need_value() { [ $# -ge 2 ] && [ -n "$2" ] || { printf 'demo: %s needs a value\n' "$1" >&2; exit 2; }; }
while [ $# -gt 0 ]; do
  case "$1" in
    --port) need_value "$@"; port=$2; shift 2 ;;
    --port=*) port=${1#*=}; shift ;;
    --rate) need_value "$@"; rate=$2; shift 2 ;;
    --rate=*) rate=${1#*=}; shift ;;
    --state-file) need_value "$@"; state_file=$2; shift 2 ;;
    --out) need_value "$@"; out_dir=$2; shift 2 ;;
    --out=*) out_dir=${1#*=}; shift ;;
    --state-file=*) state_file=${1#*=}; shift ;;
    --no-serve) serve=0; shift ;;
    --no-build) build=never; shift ;;
    -h | --help) usage; exit 0 ;;
    *) printf 'demo: unknown option %s\n\n' "$1" >&2; usage >&2; exit 2 ;;
  esac
done
case "$port" in '' | *[!0-9]*) die "--port must be a number (got '$port')" ;; esac
case "$rate" in '') ;; *[!0-9.]* | .*) die "--rate must be a positive number (got '$rate')" ;; esac
case "$state_file" in '' | /*) ;; *) state_file="$caller/$state_file" ;; esac
case "$out_dir" in /*) ;; *) out_dir="$caller/$out_dir" ;; esac

if [ -t 2 ] && [ -z "${NO_COLOR:-}" ]; then bold=$'\033[1m'; plain=$'\033[0m'; else bold=''; plain=''; fi
say() { printf '%s[demo]%s %s\n' "$bold" "$plain" "$*" >&2; }

# ---------------------------------------------------------------- 1. prerequisites and build
command -v node >/dev/null 2>&1 || die "Node.js 20 or newer is needed: https://nodejs.org/"
node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 20 ? 0 : 1)' \
  || die "Node.js 20 or newer is needed (found $(node --version))"

built() {
  local f
  for f in pkg/node.js pkg/cli.mjs pkg/package.json pkg/autopilot_export_bg.wasm; do
    [ -f "$f" ] || return 1
  done
}
stale() {
  [ -n "$(find src Cargo.toml Cargo.lock pkg-template -type f -newer pkg/autopilot_export_bg.wasm -print -quit)" ]
}
if [ "$build" = never ]; then
  built || die "pkg/ is not built and --no-build was given: run pkg-template/build.sh"
  stale && say "note: pkg/ is older than the sources (--no-build: using it anyway)"
elif ! built || stale; then
  command -v cargo >/dev/null 2>&1 \
    || die "building the package needs Rust: install it with rustup (https://rustup.rs), then run this again"
  say "building the package into pkg/ (pkg-template/build.sh; the first time takes several minutes)"
  env -u PKG_OUT_DIR -u KEEP_NAMES pkg-template/build.sh
fi

# The default rate is the package's (its metadata), never a copy here.
if [ -z "$rate" ]; then
  rate=$(node --input-type=module -e 'const m = await import(process.argv[1]); console.log(m.metadata().defaults.ratePerSecond)' "$root/pkg/node.js") \
    || die "could not read the default rate from pkg/ (rebuild it with pkg-template/build.sh)"
fi

# ---------------------------------------------------------------- 2. the emulator
# The emulator's default key; it only exists on this machine. Given to the CLI through the
# environment, as the CLI requires.
key=0123456789abcdef0123456789abcdef
# The emulator's output goes to a folder removed on exit; the report and the checkpoint go to
# $out_dir, which is kept (the paths printed below stay valid).
tmp=$(mktemp -d "${TMPDIR:-/tmp}/autopilot-demo-run.XXXXXX")
mkdir -p "$out_dir" || die "cannot create the output folder $out_dir"
rm -f "$out_dir/report.json" "$out_dir/checkpoint.json" "$out_dir/state.bin" "$out_dir/refresh-report.json"
emu_pid=""
srv_pid=""
stop() {
  local pid=$1
  [ -n "$pid" ] || return 0
  kill "$pid" 2>/dev/null || return 0
  for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -9 "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  stop "$srv_pid"
  stop "$emu_pid"
  rm -rf "$tmp"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

say "starting the local Autopilot emulator (${rate} requests/s per key, 40 ms latency)"
node tests/emulator/index.mjs --port 0 --api-key "$key" --rate "$rate" --latency 40 --jitter 15 --quiet \
  >"$tmp/emulator.out" 2>"$tmp/emulator.err" &
emu_pid=$!
url=""
for _ in $(seq 100); do
  url=$(sed -n 's/^AUTOPILOT_EMULATOR_URL=//p' "$tmp/emulator.out")
  [ -n "$url" ] && break
  kill -0 "$emu_pid" 2>/dev/null || die "the emulator did not start: $(cat "$tmp/emulator.err")"
  sleep 0.1
done
[ -n "$url" ] || die "the emulator printed no URL within 10 s"
origin=${url%/v1}
say "emulator at $url"

# ---------------------------------------------------------------- 3. the export
say "exporting the sample segments: node pkg/cli.mjs export --config www/sample/export.json"
set +e
AUTOPILOT_API_KEY=$key AUTOPILOT_BASE_URL=$url node pkg/cli.mjs export \
  --config www/sample/export.json --rate "$rate" --state "$out_dir/state.bin" \
  --report "$out_dir/report.json" --checkpoint-file "$out_dir/checkpoint.json"
rc=$?
set -e
case $rc in
  0) ;;
  130 | 143) say "export cancelled"; exit "$rc" ;;
  *) say "the export ended with exit code $rc (see above)" ;;
esac

# ---------------------------------------------------------------- 4. what Autopilot now holds
node --input-type=module -e '
const [reportFile, origin, stateFile] = process.argv.slice(1);
import { readFileSync, writeFileSync } from "node:fs";
const n = (x) => String(x).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
let report = null;
try { report = JSON.parse(readFileSync(reportFile, "utf8")); } catch {}
const res = await fetch(`${origin}/__emulator/state`);
if (!res.ok) throw new Error(`emulator state: HTTP ${res.status}`);
const state = await res.json();
if (stateFile) writeFileSync(stateFile, JSON.stringify(state, null, 2) + "\n");
const lines = [];
if (report) {
  const t = report.totals;
  lines.push(`Run report: status ${report.status}; ${n(t.profilesIn)} rows read, ${n(t.invalid)} invalid, ${n(t.duplicates)} duplicates;`,
    `            ${n(t.exported)}/${n(t.memberships)} list memberships exported for ${n(t.uniqueProfiles)} unique contacts in ${n(report.requests.sent)} requests (${(report.durationMs / 1000).toFixed(1)} s).`);
}
const memberships = state.lists.reduce((s, l) => s + l.total_contacts, 0);
lines.push(`Autopilot (emulator) now holds ${n(state.contactCount)} contacts and ${state.lists.length} lists:`);
const w = Math.max(...state.lists.map((l) => l.title.length));
for (const l of state.lists) lines.push(`  ${l.title.padEnd(w)}  ${n(l.total_contacts).padStart(6)} contacts`);
if (state.customFields.length) lines.push(`  custom fields: ${state.customFields.map((f) => `${f.name} (${f.fieldType})`).join(", ")}`);
const c = state.counters;
lines.push(`  requests received: ${n(c.requests)}, throttled (429): ${n(c.http429)}`);
const sample = state.contacts.find((x) => x.lists.length > 1) ?? state.contacts[0];
if (sample) {
  const { contact_id, created_at, updated_at, lists, ...fields } = sample;
  const titles = new Map(state.lists.map((l) => [l.list_id, l.title]));
  lines.push(`  e.g. ${JSON.stringify(fields)}`, `       on lists: ${lists.map((id) => titles.get(id)).join(", ")}`);
}
process.stderr.write(lines.join("\n") + "\n");
process.stdout.write(`DEMO_RESULT status=${report?.status ?? "none"} exported=${report?.totals.exported ?? 0} contacts=${state.contactCount} lists=${state.lists.length} memberships=${memberships} requests=${c.requests}\n`);
 ' "$out_dir/report.json" "$origin" "$state_file"
[ -f "$out_dir/report.json" ] && say "run report kept in $out_dir/report.json"
[ "$rc" -eq 0 ] || exit "$rc"

# ---------------------------------------------------------------- 5. a scheduled refresh after a change
# The customer-data platform's next "Churn risk" export: 5 contacts changed (a new first
# name), 12 left the segment, 3 joined; only contacts found in no other segment are touched.
node --input-type=module -e '
import { readFileSync, writeFileSync } from "node:fs";
const [dir, out] = process.argv.slice(1);
const others = ["vip.csv", "newsletter.csv"].map((f) => readFileSync(`${dir}/${f}`, "utf8").toLowerCase()).join("\n");
const lines = readFileSync(`${dir}/churn-risk.ndjson`, "utf8").split("\n").filter(Boolean);
const email = (l) => { try { return String(JSON.parse(l).EmailAddress ?? "").trim().toLowerCase(); } catch { return ""; } };
const count = new Map();
for (const l of lines) count.set(email(l), (count.get(email(l)) ?? 0) + 1);
const alone = lines.map((l, i) => [l, i]).filter(([l]) => /^[^\s@]+@[a-z0-9.-]+\.[a-z]+$/.test(email(l)) && count.get(email(l)) === 1 && !others.includes(email(l))).map(([, i]) => i);
const changed = new Set(alone.slice(0, 5));
const gone = new Set(alone.slice(5, 17));
const next = [];
lines.forEach((l, i) => {
  if (gone.has(i)) return;
  if (changed.has(i)) { const o = JSON.parse(l); o.GivenName = `${o.GivenName} (renamed)`; next.push(JSON.stringify(o)); } else next.push(l);
});
for (let n = 1; n <= 3; n += 1) next.push(JSON.stringify({ CustomerId: `CUST-DEMO-${n}`, EmailAddress: `new.customer${n}@example.com`, GivenName: `New${n}`, Surname: "Customer" }));
writeFileSync(out, next.join("\n") + "\n");
' "$root/www/sample" "$tmp/churn-risk.ndjson"
say "refresh after a change of the sample (5 changed, 12 left, 3 new in Churn risk), mirror mode:"
say "  node pkg/cli.mjs export --config www/sample/export.json --state $out_dir/state.bin --mirror --segment …"
set +e
AUTOPILOT_API_KEY=$key AUTOPILOT_BASE_URL=$url node pkg/cli.mjs export \
  --config www/sample/export.json --rate "$rate" --state "$out_dir/state.bin" --mirror \
  --segment "VIP customers=$root/www/sample/vip.csv" --segment "Churn risk=$tmp/churn-risk.ndjson" \
  --segment "Newsletter=$root/www/sample/newsletter.csv" \
  --report "$out_dir/refresh-report.json" --checkpoint-file "$out_dir/checkpoint.json" --progress none
rc=$?
set -e
case $rc in
  0) ;;
  130 | 143) say "refresh cancelled"; exit "$rc" ;;
  *) say "the refresh ended with exit code $rc (see above)"; exit "$rc" ;;
esac
node --input-type=module -e '
import { readFileSync } from "node:fs";
const r = JSON.parse(readFileSync(process.argv[1], "utf8"));
const n = (x) => String(x ?? 0).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
const t = r.totals;
const lines = [`Refresh: ${r.status}; sent ${n(t.exported)} list memberships (new or changed), removed ${n(t.removed)} members who left,`,
  `         left ${n(t.unchanged)} unchanged memberships alone; ${n(r.requests.sent)} requests (the first run needed ${process.argv[2]}).`];
for (const s of r.segments) lines.push(`  ${s.name.padEnd(14)} sent ${n(s.exported).padStart(5)}  removed ${n(s.removed).padStart(4)}  unchanged ${n(s.unchanged).padStart(6)}`);
process.stderr.write(lines.join("\n") + "\n");
process.stdout.write(`DEMO_REFRESH status=${r.status} sent=${t.exported} unchanged=${t.unchanged ?? 0} removed=${t.removed ?? 0} requests=${r.requests.sent}\n`);
' "$out_dir/refresh-report.json" "$(node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).requests.sent)' "$out_dir/report.json")"
say "refresh report kept in $out_dir/refresh-report.json; sync state in $out_dir/state.bin"

# ---------------------------------------------------------------- 6. the admin page
[ "$serve" = 1 ] || exit 0
if [ ! -f www/serve.mjs ]; then
  say "www/serve.mjs is not there: no admin page to serve; stopping"
  exit 0
fi
say "serving the admin page on port $port against the same emulator; Ctrl-C stops everything"
say "to connect the page to the emulator, use its local demo key $key (the emulator's"
say "built-in test key, not an Autopilot key; the export above got it through AUTOPILOT_API_KEY)"
node www/serve.mjs --port "$port" --emulator "$url" &
srv_pid=$!
set +e
wait "$srv_pid"
rc=$?
set -e
srv_pid=""
[ "$rc" -eq 0 ] || die "the admin page server stopped with exit code $rc"

#!/usr/bin/env node
// Build step of pkg-template/build.sh (not shipped): gives the module's imports from the JS
// glue short names, in the wasm's import section and in the glue's import object alike.
//
//   node pkg-template/minify-imports.mjs <module.wasm> <glue.js> <glue module name>
//
// wasm-bindgen names each import after its JS function and a 16-digit hash
// (`__wbg_now_501b59bcbc2b1df9`): 97 names, about 4 KB in the wasm and 4 KB in the glue,
// which gzip cannot share across the two files and whose hashes do not compress. Short names
// (`a`, `b`, … `ba`, …) took 2,032 B off the wasm and 1,342 B off the glue, gzip -9
// (issue 15, tests/bench/README.md, fifteenth round). binaryen's `--minify-imports` renames
// only imports of the `env` module, and its `…-and-modules` form renames the exports too
// (the glue and the tests read those), so this rewrites the one section itself: every other
// byte of the module is copied as it is.
//
// The import section is read as the WebAssembly core specification (2.0, §5.5.5) lays it
// out, plus the exception-handling proposal's tags; anything else (typed references, 64-bit
// or custom-page-size memories) stops the step with a message. Only the names of imports
// from <glue module name> change; an import listed twice keeps one short name. In the glue,
// each old name must occur exactly once (its key in the import object), or the step fails,
// so that a change of wasm-bindgen's output stops the build instead of shipping a glue that
// does not match its module.
import { readFileSync, writeFileSync } from 'node:fs';

const [wasmPath, gluePath, glueModule] = process.argv.slice(2);
if (!glueModule) {
  console.error('usage: minify-imports.mjs <module.wasm> <glue.js> <glue module name>');
  process.exit(2);
}

const bytes = readFileSync(wasmPath);
let pos = 0;
const fail = (msg) => {
  throw new Error(`${wasmPath}: ${msg} (byte ${pos})`);
};
const u32 = () => {
  let result = 0;
  for (let shift = 0; shift < 35; shift += 7) {
    if (pos >= bytes.length) fail('truncated LEB128');
    const b = bytes[pos++];
    result += (b & 0x7f) * 2 ** shift;
    if ((b & 0x80) === 0) return result;
  }
  return fail('LEB128 longer than 5 bytes');
};
const leb = (n) => {
  const out = [];
  do {
    let b = n & 0x7f;
    n = Math.floor(n / 128);
    if (n) b |= 0x80;
    out.push(b);
  } while (n);
  return Buffer.from(out);
};
const name = () => {
  const len = u32();
  const s = bytes.subarray(pos, pos + len).toString('utf8');
  pos += len;
  return s;
};
const encodeName = (s) => {
  const b = Buffer.from(s, 'utf8');
  return Buffer.concat([leb(b.length), b]);
};
const limits = () => {
  const flags = bytes[pos++];
  if (flags > 3) fail(`limits with flags ${flags} (64-bit or custom page size memories are not read)`);
  u32();
  if (flags & 1) u32();
};
const refType = () => {
  const t = bytes[pos++];
  if (t !== 0x70 && t !== 0x6f) fail(`reference type 0x${t.toString(16)} (only funcref and externref are read)`);
};
// a, b, …, Z, aa, ba, …, Za, ab, …: never `__proto__`, which the glue's object literal sets
// itself.
const ALPHABET = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';
const shortName = (i) => {
  let s = '';
  for (let n = i; n >= 0; n = Math.floor(n / ALPHABET.length) - 1) s += ALPHABET[n % ALPHABET.length];
  return s;
};

if (bytes.length < 8 || bytes.readUInt32LE(0) !== 0x6d736100 || bytes.readUInt32LE(4) !== 1) {
  fail('not a WebAssembly 1.0 module');
}
pos = 8;
const parts = [bytes.subarray(0, 8)];
const renamed = new Map();
while (pos < bytes.length) {
  const sectionStart = pos;
  const id = bytes[pos++];
  const size = u32();
  const end = pos + size;
  if (end > bytes.length) fail(`section ${id} runs past the end of the file`);
  if (id !== 2) {
    parts.push(bytes.subarray(sectionStart, end));
    pos = end;
    continue;
  }
  const count = u32();
  const body = [leb(count)];
  for (let i = 0; i < count; i += 1) {
    const module = name();
    const field = name();
    const descStart = pos;
    const kind = bytes[pos++];
    if (kind === 0) u32(); // function: type index
    else if (kind === 1) { refType(); limits(); } // table: reference type, limits
    else if (kind === 2) limits(); // memory
    else if (kind === 3) { // global: value type, mutability
      const t = bytes[pos++];
      if (![0x7f, 0x7e, 0x7d, 0x7c, 0x7b, 0x70, 0x6f].includes(t)) fail(`global of value type 0x${t.toString(16)}`);
      pos += 1;
    }
    else if (kind === 4) { pos += 1; u32(); } // tag: attribute, type index
    else fail(`unknown import kind ${kind}`);
    let newField = field;
    if (module === glueModule) {
      newField = renamed.get(field) ?? shortName(renamed.size);
      renamed.set(field, newField);
    }
    body.push(encodeName(module), encodeName(newField), bytes.subarray(descStart, pos));
  }
  if (pos !== end) fail('the import section does not end where its size says');
  const section = Buffer.concat(body);
  parts.push(Buffer.from([2]), leb(section.length), section);
}
if (renamed.size === 0) fail(`no import from '${glueModule}'`);

let glue = readFileSync(gluePath, 'utf8');
for (const [from, to] of renamed) {
  const pattern = new RegExp(`(?<![\\w$])${from.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![\\w$])`, 'g');
  const found = glue.match(pattern)?.length ?? 0;
  if (found !== 1) throw new Error(`${gluePath}: import ${from} occurs ${found} times (expected once, as a key of the import object)`);
  glue = glue.replace(pattern, to);
}
writeFileSync(wasmPath, Buffer.concat(parts));
writeFileSync(gluePath, glue);
console.error(`[build] ${renamed.size} imports from ${glueModule} renamed`);

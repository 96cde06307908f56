// The build step that gives the module's imports from the JS glue short names
// (pkg-template/minify-imports.mjs, issue 15): on a module assembled here byte by byte, the
// glue's imports are renamed in the import section and in the glue alike, every other import
// and section stays as it was, and a glue that does not name each import exactly once stops
// the step.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const script = resolve(dirname(fileURLToPath(import.meta.url)), '../../pkg-template/minify-imports.mjs');

const leb = (n) => { const out = []; do { let b = n & 0x7f; n >>>= 7; if (n) b |= 0x80; out.push(b); } while (n); return out; };
const str = (s) => { const b = [...Buffer.from(s)]; return [...leb(b.length), ...b]; };
const section = (id, body) => [id, ...leb(body.length), ...body];

/** A module importing `imports` ([module, name, kind]: a key of `DESC`), exporting one function. */
function moduleBytes(imports) {
  const type = section(1, [1, 0x60, 0, 0]); // one type: [] -> []
  const DESC = { func: [0, 0], memory: [2, 0, 1], memory64: [2, 4, 1], table: [1, 0x6f, 0, 1], typedTable: [1, 0x64, 0x70, 0, 1] };
  const entries = imports.flatMap(([m, n, kind]) => [...str(m), ...str(n), ...DESC[kind]]);
  const imp = section(2, [...leb(imports.length), ...entries]);
  const func = section(3, [1, 0]); // one function of type 0
  const exp = section(7, [1, ...str('run'), 0, imports.filter((i) => i[2] === 'func').length]);
  const code = section(10, [1, 2, 0, 0x0b]); // body: no locals, end
  const custom = section(0, [...str('note'), 1, 2, 3]);
  return Buffer.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, ...type, ...imp, ...func, ...exp, ...code, ...custom]);
}

function run(wasm, glue) {
  const dir = mkdtempSync(join(tmpdir(), 'minify-imports-'));
  try {
    writeFileSync(join(dir, 'm.wasm'), wasm);
    writeFileSync(join(dir, 'g.js'), glue);
    execFileSync(process.execPath, [script, join(dir, 'm.wasm'), join(dir, 'g.js'), './m_bg.js'], { stdio: 'pipe' });
    return { wasm: readFileSync(join(dir, 'm.wasm')), glue: readFileSync(join(dir, 'g.js'), 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const IMPORTS = [
  ['./m_bg.js', '__wbg_now_501b59bcbc2b1df9', 'func'],
  ['./snippets/x/inline0.js', 'projectRecords', 'func'],
  ['./m_bg.js', '__wbindgen_init_externref_table', 'func'],
  ['env', 'memory', 'memory'],
  ['env', 'table', 'table'],
];
const GLUE = `const imports = { __proto__: null, __wbg_now_501b59bcbc2b1df9: function() { return performance.now(); },
  __wbindgen_init_externref_table: function() {} };
// __wbg_nowhere_0 is not an import
export { imports };`;

test('the glue module\'s imports get short names in the module and the glue; nothing else changes', () => {
  const before = moduleBytes(IMPORTS);
  const { wasm, glue } = run(before, GLUE);
  const names = WebAssembly.Module.imports(new WebAssembly.Module(wasm)).map((i) => [i.module, i.name, i.kind]);
  assert.deepEqual(names, [
    ['./m_bg.js', 'a', 'function'],
    ['./snippets/x/inline0.js', 'projectRecords', 'function'],
    ['./m_bg.js', 'b', 'function'],
    ['env', 'memory', 'memory'],
    ['env', 'table', 'table'],
  ]);
  const mod = new WebAssembly.Module(wasm);
  assert.deepEqual(WebAssembly.Module.exports(mod).map((e) => e.name), ['run']);
  assert.deepEqual([...new Uint8Array(WebAssembly.Module.customSections(mod, 'note')[0])], [1, 2, 3]);
  assert.match(glue, /__proto__: null, a: function\(\) \{ return performance\.now\(\); \},\n {2}b: function\(\) \{\} \};/);
  assert.match(glue, /__wbg_nowhere_0 is not an import/);
  // Only the import section changed: the bytes before it and after it are the same.
  const tail = before.length - before.indexOf(Buffer.from([3, 2, 1, 0]));
  assert.deepEqual(wasm.subarray(wasm.length - tail), before.subarray(before.length - tail));
  assert.deepEqual(wasm.subarray(0, 12), before.subarray(0, 12));
});

test('an import listed twice keeps one short name', () => {
  const twice = [IMPORTS[0], IMPORTS[0], IMPORTS[2]];
  const { wasm, glue } = run(moduleBytes(twice), GLUE);
  assert.deepEqual(WebAssembly.Module.imports(new WebAssembly.Module(wasm)).map((i) => i.name), ['a', 'a', 'b']);
  assert.match(glue, /a: function\(\) \{ return performance\.now\(\); \}/);
});

test('a glue that does not name an import exactly once stops the step', () => {
  assert.throws(() => run(moduleBytes(IMPORTS), GLUE.replace('__wbindgen_init_externref_table: function() {} ', '')), /occurs 0 times/);
  assert.throws(() => run(moduleBytes(IMPORTS), `${GLUE}\n// __wbg_now_501b59bcbc2b1df9`), /occurs 2 times/);
  assert.throws(() => run(moduleBytes(IMPORTS.filter((i) => i[0] !== './m_bg.js')), GLUE), /no import from/);
  assert.throws(() => run(Buffer.from('not wasm at all'), GLUE), /not a WebAssembly 1\.0 module/);
  assert.throws(() => run(Buffer.from([0, 0x61]), GLUE), /not a WebAssembly 1\.0 module/);
  assert.throws(() => run(moduleBytes([...IMPORTS, ['env', 'm64', 'memory64']]), GLUE), /64-bit or custom page size/);
  assert.throws(() => run(moduleBytes([...IMPORTS, ['env', 't', 'typedTable']]), GLUE), /reference type 0x64/);
  const whole = moduleBytes(IMPORTS);
  assert.throws(() => run(whole.subarray(0, whole.length - 2), GLUE), /runs past the end of the file/);
});

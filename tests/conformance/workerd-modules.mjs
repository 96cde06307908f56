// Lays out the built package for the real workerd binary: the package entry for the
// `workerd` condition becomes a module named `autopilot-export` (so a bare import resolves
// to it), and every module it imports (relative specifiers, transitively) is copied with its
// path kept, the .wasm as a `wasm` module. Used by the conformance driver and the README test.
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join, sep } from 'node:path';

/**
 * Copies `entry` and its imports from `pkgDir` into `destDir/prefix` and returns the capnp
 * module declarations (`(name = ..., esModule = embed ...)`), the entry first.
 */
export function copyPackageModules(pkgDir, entry, destDir, prefix = '') {
  const embed = (f) => (prefix ? `${prefix}/${f}` : f);
  const place = (f) => {
    mkdirSync(dirname(join(destDir, embed(f))), { recursive: true });
    copyFileSync(join(pkgDir, f), join(destDir, embed(f)));
  };
  place(entry);
  const modules = [`(name = "autopilot-export", esModule = embed "${embed(entry)}")`];
  const seen = new Set([entry]);
  const queue = [entry];
  while (queue.length) {
    const from = queue.shift();
    const src = readFileSync(join(pkgDir, from), 'utf8');
    for (const m of src.matchAll(/(?:from|import)\s*\(?\s*['"](\.\.?\/[^'"]+)['"]/g)) {
      const f = join(dirname(from), m[1]).split(sep).join('/');
      if (seen.has(f)) continue;
      seen.add(f);
      place(f);
      if (f.endsWith('.wasm')) modules.push(`(name = "${f}", wasm = embed "${embed(f)}")`);
      else {
        modules.push(`(name = "${f}", esModule = embed "${embed(f)}")`);
        queue.push(f);
      }
    }
  }
  return modules;
}

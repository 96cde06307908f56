// The package's metadata(), read once when the package is loaded (cli.mjs), for the parts of
// the tool that need a list the core owns (source formats and their extensions, the reject
// reasons Autopilot decides) but are not handed the package.

let current = null;

/** Keeps `m` (the package's `metadata()`). */
export function setMetadata(m) {
  current = m;
}

/** The package's metadata; throws if the package was not loaded yet (a bug of the tool). */
export function metadata() {
  if (current === null) throw new Error('the package metadata is read before the package was loaded');
  return current;
}

/** The format named by the extension of `name` (`metadata().formats`), or undefined. */
export function formatOfName(name) {
  const lower = String(name).toLowerCase();
  return metadata().formats.find((f) => f.extensions.some((e) => lower.endsWith(e)))?.name;
}

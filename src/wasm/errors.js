// The error every function of the package throws (DESIGN.md §3), as a real class so that
// `instanceof` and TypeScript narrowing work; the Rust side fills it from the core's error.
export class AutopilotExportError extends Error {
  constructor(code, message, issues, report) {
    super(message);
    this.name = 'AutopilotExportError';
    this.code = code;
    this.issues = issues;
    if (report !== undefined) this.report = report;
  }
}

// True for an AutopilotExportError, also one made by another copy of the package.
export function isAutopilotExportError(e) {
  return e instanceof AutopilotExportError ||
    (e instanceof Error && e.name === 'AutopilotExportError' && typeof e.code === 'string');
}

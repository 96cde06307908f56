//! TypeScript declarations of the JS-only shapes, appended to the generated `.d.ts`: what
//! the core never sees as a Rust type (profile sources, the abort signal and the progress
//! callback, the error class). Every other type is generated from the Rust types (tsify).

use wasm_bindgen::prelude::*;

#[wasm_bindgen(typescript_custom_section)]
const TS_TYPES: &'static str = r#"
/** A chunk of bytes or text. */
export type ByteChunk = Uint8Array | ArrayBuffer | ArrayBufferView | string;

/** Where a segment's profiles come from. */
export type ProfileSource =
  | Record<string, unknown>[]
  | ({ csv: ByteChunk | Iterable<ByteChunk> | AsyncIterable<ByteChunk> } & SourceOptions)
  | ({ ndjson: ByteChunk | Iterable<ByteChunk> | AsyncIterable<ByteChunk> } & SourceOptions)
  | ({ json: ByteChunk | Iterable<ByteChunk> | AsyncIterable<ByteChunk> } & SourceOptions)
  | UrlSource
  | Iterable<Record<string, unknown> | Record<string, unknown>[]>
  | AsyncIterable<Record<string, unknown> | Record<string, unknown>[]>;

/** One selected segment with its profiles. */
export interface SegmentInput {
  /** Segment name; with per-segment lists the Autopilot list title is listPrefix + name. */
  name: string;
  profiles: ProfileSource;
}

/** An export: configuration plus the segments' profiles. */
export interface ExportJob extends Omit<ExportConfig, "segments"> {
  segments: SegmentInput[];
}

/** Options of exportSegments: the core's options plus the host's signal and callback. */
export interface RunOptions extends Omit<CoreRunOptions, "syncState"> {
  /** Cancel: in-flight requests are aborted; the report has status "cancelled", a checkpoint and the syncState. */
  signal?: AbortSignal;
  /** Called at the start, after every finished batch and at the end. An exception it throws is
   *  recorded as a PROGRESS_CALLBACK_FAILED warning on the report; the export goes on. */
  onProgress?: (p: Progress) => void;
  /** The syncState of the previous run's report. */
  syncState?: Uint8Array;
  /** Called after every finished batch with a checkpoint that resumes this call (pass it with the
   *  syncState this call started from): a host that may be stopped stores it, and re-sends at most
   *  what was in flight. */
  onCheckpoint?: (checkpoint: Checkpoint) => void;
}

/** Options of preview / previewAsync. */
export interface PreviewOptions extends Omit<CorePreviewOptions, "syncState"> {
  /** The syncState of the previous run's report: the preview then shows what a refresh would change. */
  syncState?: Uint8Array;
}

/** Options of checkConnection. */
export interface CheckOptions extends CoreCheckOptions {
  signal?: AbortSignal;
}

/** Autopilot's account object (GET /v1/account). */
export interface AccountInfo {
  instanceId?: string;
  [key: string]: unknown;
}

/** The dry-run summary of preview (see PlanSummary). */
export type ExportPlanSummary = PlanSummary;

/** What every function of this package throws. */
export class AutopilotExportError extends Error {
  name: "AutopilotExportError";
  code: ErrorCode;
  issues: Issue[];
  /** The run report, when a started run was stopped by an error. */
  report?: ExportReport;
}

/**
 * Whether `e` is an AutopilotExportError (also one thrown by another copy of the package).
 *
 * ```js
 * import { exportSegments, isAutopilotExportError } from 'autopilot-export';
 * try { await exportSegments(job); }
 * catch (e) { if (isAutopilotExportError(e) && e.code === 'CONFIG_INVALID') showIssues(e.issues); else throw e; }
 * ```
 */
export function isAutopilotExportError(e: unknown): e is AutopilotExportError;
"#;

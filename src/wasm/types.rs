//! TypeScript declarations of the JS API's shapes, appended to the generated `.d.ts`.

use wasm_bindgen::prelude::*;

#[wasm_bindgen(typescript_custom_section)]
const TS_TYPES: &'static str = r#"
/** How to reach Autopilot and who runs the export. */
export interface Connection {
  /** Name shown to people for this connection. */
  displayName: string;
  /** The Autopilot API key. Never echoed back, logged, or put in a report or checkpoint. */
  apiKey: string;
  /** The "I agree" of the data-privacy notice; without it no request is sent (CONSENT_REQUIRED). */
  consent: boolean;
  /** Who runs the exports; recorded on every run report. */
  exportUser: string;
  /** API base, default "https://api2.autopilothq.com/v1"; http:// only for loopback hosts. */
  baseUrl?: string;
}

/** Autopilot standard contact fields a profile field can be mapped to (Email has its own mapping). */
export type StandardField =
  | "FirstName" | "LastName" | "Salutation" | "Company" | "NumberOfEmployees" | "Title"
  | "Industry" | "Phone" | "MobilePhone" | "Fax" | "Website" | "MailingStreet" | "MailingCity"
  | "MailingState" | "MailingPostalCode" | "MailingCountry" | "owner_name" | "LeadSource"
  | "Status" | "LinkedIn" | "Twitter";

/** Type of an Autopilot custom field. */
export type CustomFieldType = "string" | "integer" | "float" | "date" | "boolean";

/** A typed custom field: profile field `source` is sent as `custom["<type>--<Name>"]`. */
export interface CustomField {
  source: string;
  name: string;
  type: CustomFieldType;
  /** Date fields: how values that are not ISO 8601 are read. */
  format?: "epoch-ms" | "epoch-s" | "excel-serial" | "dd/mm/yyyy" | "mm/dd/yyyy" | "dd.mm.yyyy";
  /** Integer and float fields: the decimal mark (default "."). */
  decimal?: "." | ",";
}

/** Data matching: profile fields -> Autopilot fields. */
export interface FieldMapping {
  /** Profile field holding the email (required). */
  email: string;
  firstName?: string;
  lastName?: string;
  /** Autopilot standard field -> profile field. */
  fields?: Partial<Record<StandardField, string>>;
  custom?: CustomField[];
}

/** A chunk of bytes or text. */
export type ByteChunk = Uint8Array | ArrayBuffer | ArrayBufferView | string;

/** A WHATWG encoding label for byte sources (default UTF-8; a BOM wins). */
export interface SourceEncoding {
  encoding?: "utf-8" | "utf-16le" | "utf-16be" | "windows-1252" | "iso-8859-1" | (string & {});
}

/** How a CSV source was read. */
export interface Dialect {
  delimiter: "," | ";" | "\t" | "|";
  /** false when given by the delimiter option. */
  detected: boolean;
  /** Lower-case WHATWG encoding name. */
  encoding: string;
  bom: boolean;
}

/** Where a segment's profiles come from. */
export type ProfileSource =
  | Record<string, unknown>[]
  | ({ csv: ByteChunk | Iterable<ByteChunk> | AsyncIterable<ByteChunk>; delimiter?: "," | ";" | "\t" | "|" } & SourceEncoding)
  | ({ ndjson: ByteChunk | Iterable<ByteChunk> | AsyncIterable<ByteChunk> } & SourceEncoding)
  | ({ json: ByteChunk | Iterable<ByteChunk> | AsyncIterable<ByteChunk> } & SourceEncoding)
  | Iterable<Record<string, unknown> | Record<string, unknown>[]>
  | AsyncIterable<Record<string, unknown> | Record<string, unknown>[]>;

/** One selected segment. */
export interface SegmentInput {
  /** Segment name; with per-segment lists the Autopilot list title is listPrefix + name. */
  name: string;
  profiles: ProfileSource;
}

/** Everything about an export except the profiles. */
export interface ExportConfig {
  connection: Connection;
  mapping: FieldMapping;
  segments: { name: string; profiles?: ProfileSource }[];
  /** Maximum unique profiles per export: default and maximum 100000. */
  cap?: number;
  /** Above the cap: "refuse" (default: nothing is sent, CAP_EXCEEDED) or "truncate". */
  overCap?: "refuse" | "truncate";
  /** "per-segment" (default: one Autopilot list per segment) or "none". */
  lists?: "per-segment" | "none";
  /** List title = listPrefix + segment name. */
  listPrefix?: string;
  /** Profile field identifying rejected rows in reports (never the email). */
  idField?: string;
}

/** An export: configuration plus the segments' profiles. */
export interface ExportJob extends ExportConfig {
  segments: SegmentInput[];
}

/** Options of exportSegments. */
export interface RunOptions {
  /** Cancel: in-flight requests are aborted; the report has status "cancelled" and a checkpoint. */
  signal?: AbortSignal;
  /** Called at least once per finished batch. */
  onProgress?: (p: Progress) => void;
  /** Requests per second (default 5, Autopilot's documented limit). */
  ratePerSecond?: number;
  /** Concurrent requests (default: enough to use the whole rate). */
  maxInFlight?: number;
  /** Per-request timeout in ms (default 30000). */
  requestTimeoutMs?: number;
  /** Attempts per request for 5xx, network errors and timeouts (default 6). */
  maxAttempts?: number;
  /** Resume a previous run of the same job. */
  checkpoint?: Checkpoint;
}

/** Options of preview. */
export interface PreviewOptions {
  /** Rate used for the duration estimate (default 5). */
  ratePerSecond?: number;
}

/** One validation problem. */
export interface Issue {
  /** JSON path, e.g. "mapping.custom[2].type". */
  path: string;
  /** Stable code, e.g. "BASE_URL_NOT_HTTPS". */
  code: string;
  message: string;
}

/** Stable error codes. */
export type ErrorCode =
  | "CONFIG_INVALID" | "CONSENT_REQUIRED" | "CAP_EXCEEDED" | "AUTH_FAILED" | "INPUT_INVALID"
  | "CHECKPOINT_MISMATCH" | "NETWORK" | "ABORTED" | "API_ERROR" | "INTERNAL";

/** What every function of this package throws. */
export interface AutopilotExportError extends Error {
  name: "AutopilotExportError";
  code: ErrorCode;
  issues: Issue[];
  /** The run report, when a started run was stopped by an error (AUTH_FAILED, API_ERROR). */
  report?: ExportReport;
}

/** Autopilot's account object (GET /v1/account). */
export interface AccountInfo {
  instanceId?: string;
  [key: string]: unknown;
}

/** Why a row or contact was not exported. */
export type RejectReason =
  | "EMAIL_MISSING" | "EMAIL_INVALID" | "EMAIL_NON_ASCII" | "EMAIL_TOO_LONG" | "NOT_AN_OBJECT"
  | "INVALID_UTF8" | "MALFORMED_ROW" | "SERVER_REJECTED" | "NOT_CONFIRMED" | "RETRIES_EXHAUSTED";

/** A rejected row or failed contact; never carries the email. */
export interface Reject {
  /** Segment index (order of job.segments). */
  segment: number;
  /** Row number within the segment, from 1 (CSV header not counted). */
  row: number;
  /** The row's idField value, when configured. */
  id?: string;
  reason: RejectReason;
  detail?: string;
}

/** A counted non-fatal problem, e.g. a custom value that could not be coerced (left out). */
export interface Warning {
  code: string;
  field: string;
  count: number;
  /** First few rows as "segment:row". */
  examples: string[];
  /** What the values look like and how to read them. */
  hint?: string;
}

/** Counts of one segment: profilesIn = invalid + duplicates + overCap + memberships. Rows are
 *  counted per segment (a profile in two segments is two memberships); overCap counts rows
 *  whose profile is beyond the cap. */
export interface SegmentCounts {
  profilesIn: number;
  invalid: number;
  duplicates: number;
  overCap: number;
  memberships: number;
  exported: number;
  failed: number;
}

export interface SegmentReport extends SegmentCounts {
  name: string;
  listTitle?: string;
  listId?: string;
  listCreated: boolean;
  dialect?: Dialect;
}

export interface Totals {
  profilesIn: number;
  invalid: number;
  duplicates: number;
  overCap: number;
  uniqueProfiles: number;
  memberships: number;
  exported: number;
  failed: number;
}

export interface RequestCounts {
  sent: number;
  retried: number;
  throttled: number;
  errors: number;
  bisected: number;
}

/** Resume state: job fingerprint and finished batches. No email, no key. */
export interface Checkpoint {
  version: number;
  fingerprint: string;
  batches: number;
  done: [number, number][];
  exported: number[];
  failed: { segment: number; row: number; reason: RejectReason; detail?: string }[];
  requests: RequestCounts;
}

/** The run report. */
export interface ExportReport {
  status: "succeeded" | "partial" | "failed" | "cancelled";
  displayName: string;
  exportUser: string;
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  resumed: boolean;
  totals: Totals;
  segments: SegmentReport[];
  requests: RequestCounts;
  rejects: Reject[];
  rejectsOmitted: number;
  warnings: Warning[];
  error?: { code: ErrorCode; message: string };
  checkpoint: Checkpoint;
}

/** A progress snapshot. */
export interface Progress {
  phase: "lists" | "contacts" | "done";
  batchesDone: number;
  batchesTotal: number;
  contactsDone: number;
  contactsTotal: number;
  exported: number;
  failed: number;
  inFlight: number;
  /** Request counters of the whole job (a resumed run continues the checkpoint's). */
  requests: RequestCounts;
  /** Since this run started. */
  elapsedMs: number;
  /** Memberships finished by this run per second (not counting those done before a resume). */
  contactsPerSecond: number;
  etaMs?: number;
}

export interface SegmentSummary extends SegmentCounts {
  name: string;
  listTitle?: string;
  invalidByReason: Record<string, number>;
  dialect?: Dialect;
}

/** Dry-run result of preview. */
export interface ExportPlanSummary {
  segments: SegmentSummary[];
  totals: Totals;
  cap: number;
  uniqueSeen: number;
  capExceeded: boolean;
  overCap: "refuse" | "truncate";
  wouldSend: boolean;
  batches: number;
  requests: { lists: number; contacts: number; total: number };
  ratePerSecond: number;
  estimatedDurationMs: number;
  rejects: Reject[];
  rejectsOmitted: number;
  warnings: Warning[];
}
"#;

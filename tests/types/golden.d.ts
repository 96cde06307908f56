/* tslint:disable */
/* eslint-disable */

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


/**
 * A failed contact remembered in a checkpoint.
 */
export interface FailedRef {
    /**
     * Segment index.
     */
    segment: number;
    /**
     * Row number.
     */
    row: number;
    /**
     * Reason.
     */
    reason: RejectReason;
    /**
     * Server message, if any.
     */
    detail?: string;
}

/**
 * A file that is not text (JS `{ kind: "zip", message: "... save as CSV ..." }`).
 */
export interface BinaryFile {
    /**
     * `zip` (also `.xlsx`/`.ods`), `ole2` (`.xls`), `pdf`, `gzip`, `image` or `nul-bytes`.
     */
    kind: string;
    /**
     * Why it cannot be read, and what to do (for example "save as CSV").
     */
    message: string;
}

/**
 * A list the guard refuses to shrink that much.
 */
export interface GuardHit {
    /**
     * Segment index.
     */
    segment: number;
    /**
     * Segment name.
     */
    name: string;
    /**
     * Removals the run would make from its list.
     */
    removals: number;
    /**
     * Memberships the exporter had placed on it.
     */
    placed: number;
    /**
     * The most allowed: `max(10, floor(ratio × placed))`.
     */
    limit: number;
}

/**
 * A non-fatal problem, counted per code and field (e.g. a custom value that could not be
 * coerced to its type: that field was left out, the contact was still exported). Input
 * warnings: `DUPLICATE_COLUMN` (a CSV header name that appears twice, not mapped; `field` is
 * the name) and `INVALID_UTF8_ROWS` (rows rejected as not UTF-8; `field` is
 * `segments[i].profiles`; the hint suggests the `encoding` option).
 */
export interface Warning {
    /**
     * Stable code, e.g. `VALUE_NOT_COERCIBLE`, `VALUE_NESTED`.
     */
    code: WarningCode;
    /**
     * The Autopilot field concerned as it is sent (e.g. `float--Lifetime--Value`, `Company`).
     */
    field: string;
    /**
     * The field as the user named it (`Lifetime Value`, `Company`): what to show first.
     */
    label: string;
    /**
     * The profile field (column) the values came from, when there is one.
     */
    source?: string;
    /**
     * How many values.
     */
    count: number;
    /**
     * First few row references as `segment:row`, for finding examples (`segment:0` is the
     * CSV header).
     */
    examples: string[];
    /**
     * What to do about it (the first hint seen), e.g. "looks like Unix seconds: set format
     * 'epoch-s' on this custom field".
     */
    hint?: string;
}

/**
 * A number a caller may set: its bounds, its default and its unit.
 */
export interface NumberSpec {
    /**
     * The key (`ratePerSecond`).
     */
    name: string;
    /**
     * Where it is set: `run` (the options of an export call) or `job` (the export job).
     */
    scope: string;
    /**
     * A label for people (`Rate`).
     */
    label: string;
    /**
     * Unit (`requests/s`, `ms`, `requests`, `profiles`, empty for a ratio).
     */
    unit: string;
    /**
     * Default, when there is a fixed one (`maxInFlight`'s depends on the rate).
     */
    default?: number;
    /**
     * Smallest value allowed (see `min_exclusive`).
     */
    min: number;
    /**
     * Whether `min` itself is excluded (a rate must be above 0).
     */
    minExclusive: boolean;
    /**
     * Largest value allowed.
     */
    max: number;
    /**
     * Whether only whole numbers are allowed.
     */
    integer: boolean;
    /**
     * What it does, in one sentence.
     */
    description: string;
}

/**
 * A progress snapshot (JS `Progress`).
 */
export interface Progress {
    /**
     * Phase.
     */
    phase: Phase;
    /**
     * Finished batches (including those done before a resume).
     */
    batchesDone: number;
    /**
     * Batches of this run's upserts.
     */
    batchesTotal: number;
    /**
     * Contacts in finished batches.
     */
    contactsDone: number;
    /**
     * Contacts this run upserts (unchanged ones are not sent).
     */
    contactsTotal: number;
    /**
     * Confirmed contacts so far.
     */
    exported: number;
    /**
     * Failed contacts so far.
     */
    failed: number;
    /**
     * Removals finished (mirror).
     */
    removalsDone: number;
    /**
     * Removals to make (mirror).
     */
    removalsTotal: number;
    /**
     * Requests in flight now.
     */
    inFlight: number;
    /**
     * Request counters of the whole job (a resumed run continues the checkpoint's).
     */
    requests: RequestCounts;
    /**
     * Milliseconds since this call started.
     */
    elapsedMs: number;
    /**
     * Contacts finished by this call per second.
     */
    contactsPerSecond: number;
    /**
     * Estimated milliseconds to finish (absent until it can be estimated).
     */
    etaMs?: number;
}

/**
 * A segment in the report.
 */
export interface SegmentReport extends SegmentCounts {
    /**
     * Segment name.
     */
    name: string;
    /**
     * Autopilot list title (per-segment lists only).
     */
    listTitle?: string;
    /**
     * Autopilot list id, once known.
     */
    listId?: string;
    /**
     * Whether the list was created by this run.
     */
    listCreated: boolean;
    /**
     * CSV sources: how the file was read (delimiter, encoding, BOM). Absent for other
     * sources.
     */
    dialect?: Dialect;
}

/**
 * A segment source format (`{ csv }`, `{ url, format: 'csv' }`) and the file name
 * extensions (lower case, with the dot) a host maps to it.
 */
export interface SourceFormat {
    /**
     * `csv`, `ndjson` or `json`.
     */
    name: string;
    /**
     * For people.
     */
    label: string;
    /**
     * E.g. `[".ndjson", ".jsonl"]`.
     */
    extensions: string[];
}

/**
 * A segment's list as a checkpoint remembers it, so that a resumed run skips the lists
 * phase.
 */
export interface ListRef {
    /**
     * `contactlist_…` id.
     */
    id: string;
    /**
     * Whether the run created it.
     */
    created: boolean;
}

/**
 * A source at a URL as the caller describes it (JS `{ url, format, headers?, delimiter?,
 * encoding? }`; `delimiter`/`encoding` are the byte source options of [`crate::input`]).
 */
export interface UrlSource {
    /**
     * `https://…` (or `http://` on a loopback host).
     */
    url: string;
    /**
     * `csv`, `ndjson` or `json`.
     */
    format: "csv" | "ndjson" | "json";
    /**
     * Request headers (e.g. `authorization: Bearer …`), sent as given.
     */
    headers?: Record<string, string>;
    /**
     * CSV delimiter (see the byte source options).
     */
    delimiter?: "," | ";" | "\t" | "|";
    /**
     * Text encoding label (see the byte source options).
     */
    encoding?: string | undefined;
}

/**
 * A suggested custom field.
 */
export interface CustomSuggestion {
    /**
     * The column.
     */
    source: string;
    /**
     * A name for Autopilot (the column name, `_`/`-` as spaces, words capitalised).
     */
    name: string;
    /**
     * The type every sampled value coerces to (`string` when none fits better).
     */
    type: CustomType;
    /**
     * Sampled non-empty values the type was guessed from.
     */
    samples: number;
}

/**
 * A value with a label for people.
 */
export interface Labeled {
    /**
     * The value as the API takes it.
     */
    name: string;
    /**
     * A label for people.
     */
    label: string;
}

/**
 * Autopilot's standard contact fields a profile field may be mapped to (besides
 * `Email`, which has its own mapping): [APIARY-2015] field table, [PHP]
 * `$reservedFields`, [N8N].
 */
export type StandardField = "FirstName" | "LastName" | "Salutation" | "Company" | "NumberOfEmployees" | "Title" | "Industry" | "Phone" | "MobilePhone" | "Fax" | "Website" | "MailingStreet" | "MailingCity" | "MailingState" | "MailingPostalCode" | "MailingCountry" | "owner_name" | "LeadSource" | "Status" | "LinkedIn" | "Twitter";

/**
 * Counts of one segment. Invariants: `profiles_in = invalid + duplicates + over_cap +
 * memberships`, and at the end of a run `memberships = exported + failed + unchanged +
 * not_sent` (`not_sent` is 0 for a run that finished).
 */
export interface SegmentCounts {
    /**
     * Rows read.
     */
    profilesIn: number;
    /**
     * Rows rejected before sending.
     */
    invalid: number;
    /**
     * Rows whose email already appeared earlier in this segment (or, without lists, in an
     * earlier segment).
     */
    duplicates: number;
    /**
     * Valid new profiles beyond the cap (truncate mode; in refuse mode nothing is sent).
     */
    overCap: number;
    /**
     * Contacts of this segment (one per unique profile and list).
     */
    memberships: number;
    /**
     * Confirmed by Autopilot.
     */
    exported: number;
    /**
     * Sent but not confirmed (see rejects).
     */
    failed: number;
    /**
     * Not sent because the sync state shows them confirmed exactly as they are now.
     */
    unchanged: number;
    /**
     * Not sent because the run ended first (failed, cancelled or paused).
     */
    notSent: number;
    /**
     * Members this exporter had placed who left the segment, removed from its list (mirror).
     */
    removed: number;
}

/**
 * Counts of what a refresh changes, per segment or in total.
 */
export interface Changes {
    /**
     * Memberships the state does not hold: upserted.
     */
    added: number;
    /**
     * Memberships whose contact changed since it was last confirmed: upserted.
     */
    updated: number;
    /**
     * Memberships confirmed earlier exactly as they would be sent now: not sent.
     */
    unchanged: number;
    /**
     * Memberships the exporter placed whose contact left the segment: removed (mirror only).
     */
    removed: number;
}

/**
 * Data matching: which profile field feeds which Autopilot field (JS `mapping`).
 */
export interface FieldMapping {
    /**
     * Profile field holding the email (required).
     */
    email: string;
    /**
     * Profile field for `FirstName`.
     */
    firstName?: string | undefined;
    /**
     * Profile field for `LastName`.
     */
    lastName?: string | undefined;
    /**
     * Autopilot standard field → profile field (sent in the order of the Autopilot names:
     * the document is read as a JSON object, which keeps no order).
     */
    fields?: Partial<Record<StandardField, string>>;
    /**
     * Typed custom fields.
     */
    custom?: CustomField[];
}

/**
 * Defaults of the job and the run, for hosts that show them.
 */
export interface Defaults {
    /**
     * API base URL.
     */
    baseUrl: string;
    /**
     * Requests per second.
     */
    ratePerSecond: number;
    /**
     * Per-request timeout, ms.
     */
    requestTimeoutMs: number;
    /**
     * Attempts per request.
     */
    maxAttempts: number;
    /**
     * Profile limit.
     */
    cap: number;
    /**
     * `overCap`.
     */
    overCap: string;
    /**
     * `lists`.
     */
    lists: string;
    /**
     * `membership`.
     */
    membership: string;
    /**
     * Mirror guard ratio.
     */
    maxRemovalRatio: number;
    /**
     * Contacts per segment in a preview sample.
     */
    sample: number;
}

/**
 * Dry-run result (JS `ExportPlanSummary`).
 */
export interface PlanSummary {
    /**
     * Per segment.
     */
    segments: SegmentSummary[];
    /**
     * Totals.
     */
    totals: Totals;
    /**
     * What a run would change, over all segments (without a state: everything is added).
     */
    changes: Changes;
    /**
     * The cap in force.
     */
    cap: number;
    /**
     * Unique valid profiles found, including any beyond the cap.
     */
    uniqueSeen: number;
    /**
     * Whether `uniqueSeen > cap`.
     */
    capExceeded: boolean;
    /**
     * `refuse` or `truncate`.
     */
    overCap: "refuse" | "truncate";
    /**
     * Whether an export would send anything; when `false`, `blocked` says why and every
     * request count is 0.
     */
    wouldSend: boolean;
    /**
     * The error an export would stop with before any write, if one.
     */
    blocked?: Blocked;
    /**
     * Lists the mirror guard refuses to shrink that much (`REMOVALS_EXCEEDED`).
     */
    removalGuard: GuardHit[];
    /**
     * Upsert batches (≤ 100 contacts each) an export would send.
     */
    batches: number;
    /**
     * Requests an export would make (without retries).
     */
    requests: RequestEstimate;
    /**
     * Rate used for the estimate, requests per second.
     */
    ratePerSecond: number;
    /**
     * `requests.total / ratePerSecond`, in milliseconds.
     */
    estimatedDurationMs: number;
    /**
     * Rejected rows.
     */
    rejects: Reject[];
    /**
     * Rejected rows not listed.
     */
    rejectsOmitted: number;
    /**
     * Warnings.
     */
    warnings: Warning[];
}

/**
 * Everything a host reads instead of keeping a copy (JS `metadata()`).
 */
export interface Metadata {
    /**
     * Package version.
     */
    version: string;
    /**
     * Defaults.
     */
    defaults: Defaults;
    /**
     * Every settable number with bounds and units.
     */
    numbers: NumberSpec[];
    /**
     * Standard fields with labels.
     */
    standardFields: Labeled[];
    /**
     * Custom field types ([PHP] `$allowedTypes`, [SDK]) with labels.
     */
    customTypes: Labeled[];
    /**
     * `overCap` values.
     */
    overCap: Labeled[];
    /**
     * `lists` values.
     */
    lists: Labeled[];
    /**
     * `membership` values.
     */
    membership: Labeled[];
    /**
     * Date formats of custom `date` fields.
     */
    dateFormats: DateFormat[];
    /**
     * CSV delimiters (`delimiter` option; detected when absent).
     */
    delimiters: string[];
    /**
     * Most unique profiles per export.
     */
    maxProfiles: number;
    /**
     * Most contacts per bulk request.
     */
    maxBatch: number;
    /**
     * Every error code.
     */
    errorCodes: ErrorCode[];
    /**
     * Every issue code.
     */
    issueCodes: IssueCode[];
    /**
     * Every warning code.
     */
    warningCodes: WarningCode[];
    /**
     * Every reject reason.
     */
    rejectReasons: RejectReason[];
    /**
     * Every reject reason with a label for people (`{ name: 'EMAIL_INVALID', label: 'Email
     * not valid' }`), in the order of `rejectReasons`.
     */
    rejectReasonLabels: Labeled[];
    /**
     * The reject reasons decided by Autopilot after sending (the others are decided
     * before sending, from the row itself).
     */
    serverRejectReasons: RejectReason[];
    /**
     * Segment source formats with the file name extensions that name them.
     */
    formats: SourceFormat[];
}

/**
 * Everything about an export except the profiles themselves (JS `ExportJob` minus
 * `segments[].profiles`).
 */
export interface ExportConfig {
    /**
     * Where and as whom.
     */
    connection: Connection;
    /**
     * Data matching.
     */
    mapping: FieldMapping;
    /**
     * Selected segments, in export order.
     */
    segments: SegmentConfig[];
    /**
     * Maximum unique profiles (default and maximum 100,000).
     */
    cap?: number | undefined;
    /**
     * Behaviour above the cap (default `refuse`; see [`ExportConfig::over_cap`]).
     */
    overCap?: OverCap | undefined;
    /**
     * Lists per segment, or none (default `per-segment`; see [`ExportConfig::lists`]).
     */
    lists?: ListMode | undefined;
    /**
     * Prefix of list titles.
     */
    listPrefix?: string;
    /**
     * Profile field identifying rejected rows in reports (never the email).
     */
    idField?: string | undefined;
    /**
     * `add` (default) or `mirror` (also remove leavers this exporter placed; needs lists;
     * see [`ExportConfig::membership`]).
     */
    membership?: Membership | undefined;
    /**
     * Mirror guard: the most a run may remove from one list, as a fraction of the members
     * this exporter had placed on it (the limit is `max(10, ratio × placed)`); 0 to 1,
     * default [`crate::meta::DEFAULT_MAX_REMOVAL_RATIO`].
     */
    maxRemovalRatio?: number | undefined;
}

/**
 * Final status of a run.
 */
export type RunStatus = "succeeded" | "partial" | "failed" | "cancelled" | "paused";

/**
 * How a CSV source was read (JS `{ delimiter: ";", encoding: "utf-8", bom: false }`).
 */
export interface Dialect {
    /**
     * The field delimiter: `,` `;` `\t` or `|`.
     */
    delimiter: string;
    /**
     * Whether the delimiter was detected (`false`: given by the `delimiter` option).
     */
    detected: boolean;
    /**
     * The lower-case WHATWG name of the encoding (`utf-8`, `utf-16le`, `windows-1252`, ...).
     */
    encoding: string;
    /**
     * Whether the bytes started with a byte order mark (removed).
     */
    bom: boolean;
}

/**
 * How segments are represented in Autopilot.
 */
export type ListMode = "per-segment" | "none";

/**
 * How to reach Autopilot and who runs the export (JS `Connection`).
 */
export interface Connection {
    /**
     * Name shown to people for this connection.
     */
    displayName: string;
    /**
     * The Autopilot API key (never echoed back). An unset environment variable
     * (`undefined`) is reported as `API_KEY_MISSING`.
     */
    apiKey: string | undefined;
    /**
     * The "I agree" of the data-privacy notice. Without it no request is ever sent.
     */
    consent: boolean;
    /**
     * Who runs the exports; recorded on each run report.
     */
    exportUser: string;
    /**
     * API base; default [`DEFAULT_BASE_URL`]. `http://` only for loopback hosts.
     */
    baseUrl?: string | undefined;
}

/**
 * One rejected row or failed contact. Never carries the email.
 */
export interface Reject {
    /**
     * Segment index (order of `job.segments`).
     */
    segment: number;
    /**
     * Row number within the segment, starting at 1 (CSV header not counted).
     */
    row: number;
    /**
     * The row's `idField` value, when configured and present.
     */
    id?: string;
    /**
     * Why.
     */
    reason: RejectReason;
    /**
     * Extra detail (parser or server message), never containing the email or key.
     */
    detail?: string;
}

/**
 * One segment of a [`PlanSummary`].
 */
export interface SegmentSummary extends SegmentCounts {
    /**
     * Segment name.
     */
    name: string;
    /**
     * List title (per-segment lists only).
     */
    listTitle?: string;
    /**
     * Invalid rows per reject reason.
     */
    invalidByReason: Partial<Record<RejectReason, number>>;
    /**
     * What a run would change on this segment's list.
     */
    changes: Changes;
    /**
     * Memberships a run would upsert (`changes.added + changes.updated`, 0 when blocked).
     */
    toSend: number;
    /**
     * CSV sources: how the file was read (delimiter, encoding, BOM).
     */
    dialect?: Dialect;
    /**
     * The first contacts of the segment (by row) exactly as a bulk upsert carries them;
     * `_autopilot_list` only when the list id is known from the sync state.
     */
    sample: Record<string, unknown>[];
    /**
     * Mirror mode: the members this exporter placed on the list (from the sync state) and
     * the most removals the guard allows from it, `max(10, floor(maxRemovalRatio × placed))`
     * (`changes.removed` above it blocks the run with `REMOVALS_EXCEEDED`).
     */
    removalLimit?: RemovalLimit;
}

/**
 * One selected segment (its profiles are passed separately).
 */
export interface SegmentConfig {
    /**
     * Segment name; with per-segment lists, the list title is `listPrefix + name`.
     */
    name: string;
}

/**
 * One typed custom field: profile field `source` → Autopilot custom field `name` of `type`.
 */
export interface CustomField {
    /**
     * Profile field to read.
     */
    source: string;
    /**
     * Autopilot custom field name (spaces allowed; they are sent as `--`).
     */
    name: string;
    /**
     * `string | integer | float | date | boolean`.
     */
    type: CustomType;
    /**
     * Date fields only: how values that are not ISO 8601 are read: `epoch-ms`, `epoch-s`,
     * `excel-serial`, `dd/mm/yyyy`, `mm/dd/yyyy` or `dd.mm.yyyy` (see
     * [`crate::util::time::DateFormat`]).
     */
    format?: DateFormat;
    /**
     * Integer and float fields only: the decimal mark, `.` (default) or `,`. With `,`, the
     * digits may be grouped by threes with `.`, a space, a no-break space or `'`.
     */
    decimal?: "." | ",";
}

/**
 * One validation problem: where it is (a JSON path such as `mapping.custom[2].type`),
 * a stable code, and a message for people.
 */
export interface Issue {
    /**
     * JSON path of the offending value, relative to the object passed in
     * (`connection.baseUrl`, `segments[1].name`; options: `options.ratePerSecond`).
     */
    path: string;
    /**
     * Stable code, e.g. `BASE_URL_NOT_HTTPS`.
     */
    code: IssueCode;
    /**
     * Human-readable explanation (never contains the API key).
     */
    message: string;
}

/**
 * Options of a byte source, next to its bytes (JS `{ csv, delimiter?, encoding? }`).
 */
export interface SourceOptions {
    /**
     * CSV only: `,` `;` `\t` (a tab character) or `|`; detected from the header when absent.
     */
    delimiter?: "," | ";" | "\t" | "|";
    /**
     * A WHATWG Encoding Standard label (`utf-8`, `utf-16le`, `utf-16be`, `windows-1252`,
     * `iso-8859-1`, ...). A byte order mark still wins (WHATWG "decode"). Absent: UTF-8, or
     * UTF-16 when the bytes start with a UTF-16 BOM.
     */
    encoding?: string | undefined;
}

/**
 * Options of the connection check as the caller passes them (JS `{ timeoutMs? }`; the
 * `signal` is the host's).
 */
export interface CoreCheckOptions {
    /**
     * Abort after this many milliseconds (default: the request timeout's default).
     */
    timeoutMs?: number | undefined;
}

/**
 * Request counters.
 */
export interface RequestCounts {
    /**
     * HTTP requests sent (every attempt).
     */
    sent: number;
    /**
     * Attempts that were retries.
     */
    retried: number;
    /**
     * Answers 429.
     */
    throttled: number;
    /**
     * Attempts that ended in an error: 5xx, 4xx (400s of rejected contacts included), a
     * network error, a timeout, or a 2xx with an unreadable body.
     */
    errors: number;
    /**
     * Requests caused by splitting bulk upserts answered 400.
     */
    bisected: number;
}

/**
 * Requests an export would make.
 */
export interface RequestEstimate {
    /**
     * `GET /v1/account`, `GET /v1/lists` and a `POST /v1/list` per list to create.
     */
    lists: number;
    /**
     * `POST /v1/contacts` requests.
     */
    contacts: number;
    /**
     * `DELETE /v1/list/{id}/contact/{id}` requests (mirror).
     */
    removals: number;
    /**
     * Sum.
     */
    total: number;
}

/**
 * Resume state: the job fingerprint, the lists, what is finished, and the counters so far.
 * Holds no email and no key. Pass it back with the report's `syncState`.
 */
export interface Checkpoint {
    /**
     * Format version (currently 2).
     */
    version: number;
    /**
     * Hash of the configuration (without key/consent) and of every planned contact.
     */
    fingerprint: string;
    /**
     * Hash of the sync state the run started from (empty when it had none).
     */
    base: string;
    /**
     * Hash of the sync state of the report this checkpoint belongs to.
     */
    state: string;
    /**
     * Per segment, its list once known.
     */
    lists: (ListRef | undefined)[];
    /**
     * Number of upsert batches of the run.
     */
    batches: number;
    /**
     * Finished batches, as sorted, non-overlapping inclusive ranges `[first, last]`.
     */
    done: [number, number][];
    /**
     * Exported counts per segment so far.
     */
    exported: number[];
    /**
     * Removed counts per segment so far.
     */
    removed: number[];
    /**
     * Contacts that failed so far, as `(segment, row, reason)`.
     */
    failed: FailedRef[];
    /**
     * The part of `exported` (per segment) that calls before `base` confirmed: in a diff
     * against `base` those memberships are unchanged. Resuming a call that itself
     * continued an earlier one needs it to count them once.
     */
    carriedExported: number[];
    /**
     * The part of `removed` (per segment) made by calls before `base`.
     */
    carriedRemoved: number[];
    /**
     * How many of the first `failed` entries calls before `base` decided (they are left
     * out of a diff against `base`).
     */
    carriedFailed: number;
    /**
     * A hash of what the call's diff sends; a resume in batches mode checks it (empty
     * before the writes were planned).
     */
    sends: string;
    /**
     * The job's tag (chosen by its first call, kept by every call that continues it): the
     * sync state marks the members this job confirmed without an id with it.
     */
    job: string;
    /**
     * A salted hash of the API key the call used (keyed with the sync state's salt; never
     * the key): a call resumed with the same key skips reading the account again, one
     * with another key reads it and checks it against the state.
     */
    key: string;
    /**
     * Request counters so far.
     */
    requests: RequestCounts;
}

/**
 * Stable codes of [`crate::report::Warning`]s: counted, non-fatal problems.
 */
export type WarningCode = "VALUE_NOT_COERCIBLE" | "VALUE_NESTED" | "PROGRESS_CALLBACK_FAILED" | "DUPLICATE_COLUMN" | "INVALID_UTF8_ROWS" | "REMOVAL_FAILED" | "REMOVALS_HELD";

/**
 * Stable codes of validation [`Issue`]s.
 */
export type IssueCode = "DISPLAY_NAME_MISSING" | "API_KEY_MISSING" | "API_KEY_IMPLAUSIBLE" | "CONSENT_REQUIRED" | "EXPORT_USER_MISSING" | "BASE_URL_INVALID" | "BASE_URL_NOT_HTTPS" | "EMAIL_MAPPING_MISSING" | "SOURCE_FIELD_EMPTY" | "FIELD_MAPPED_TWICE" | "UNKNOWN_STANDARD_FIELD" | "CUSTOM_NAME_EMPTY" | "CUSTOM_NAME_INVALID" | "CUSTOM_TYPE_UNKNOWN" | "CUSTOM_NAME_COLLISION" | "SEGMENTS_EMPTY" | "SEGMENT_NAME_EMPTY" | "SEGMENT_NAME_INVALID" | "SEGMENT_NAME_DUPLICATE" | "CAP_OUT_OF_RANGE" | "LIST_PREFIX_INVALID" | "ID_FIELD_IS_EMAIL" | "MIRROR_WITHOUT_LISTS" | "MIRROR_WITH_TRUNCATE" | "DELIMITER_NOT_CSV" | "DELIMITER_INVALID" | "ENCODING_UNKNOWN" | "ENCODING_UNSUPPORTED" | "CUSTOM_FORMAT_NOT_DATE" | "CUSTOM_FORMAT_UNKNOWN" | "CUSTOM_DECIMAL_NOT_NUMBER" | "CUSTOM_DECIMAL_INVALID" | "SOURCE_URL_INVALID" | "SOURCE_FORMAT_UNKNOWN" | "OPTION_OUT_OF_RANGE" | "TYPE_MISMATCH" | "UNKNOWN_FIELD";

/**
 * Stable, machine-readable error codes. The JS API exposes them as `error.code`.
 */
export type ErrorCode = "CONFIG_INVALID" | "CONSENT_REQUIRED" | "CAP_EXCEEDED" | "AUTH_FAILED" | "INPUT_INVALID" | "CHECKPOINT_MISMATCH" | "STATE_MISMATCH" | "REMOVALS_EXCEEDED" | "NOTHING_TO_EXPORT" | "NETWORK" | "ABORTED" | "API_ERROR" | "INTERNAL";

/**
 * Suggestions for one file (JS `suggestMapping(headers, samples)`).
 */
export interface Suggestion {
    /**
     * The column holding the email, if one was found.
     */
    email?: string;
    /**
     * First name.
     */
    firstName?: string;
    /**
     * Last name.
     */
    lastName?: string;
    /**
     * Other standard fields: Autopilot field → column, in the order of the Autopilot names
     * (`metadata().standardFields`; alphabetical until issue 15's fifteenth round).
     */
    fields: Partial<Record<StandardField, string>>;
    /**
     * A column that looks like a customer id (for `idField`).
     */
    idField?: string;
    /**
     * Every other column as a typed custom field.
     */
    custom: CustomSuggestion[];
}

/**
 * The `format` option of a `date` custom field: how values that are not ISO 8601 are read.
 */
export type DateFormat = "epoch-ms" | "epoch-s" | "excel-serial" | "dd/mm/yyyy" | "mm/dd/yyyy" | "dd.mm.yyyy";

/**
 * The error that ended a run, as it appears in the report.
 */
export interface ReportError {
    /**
     * Stable error code.
     */
    code: ErrorCode;
    /**
     * Message.
     */
    message: string;
}

/**
 * The library's error: a stable code, a message, and validation issues where relevant.
 */
export interface Error {
    /**
     * Stable code.
     */
    code: ErrorCode;
    /**
     * Human-readable message (never contains the API key).
     */
    message: string;
    /**
     * Validation issues (non-empty for `CONFIG_INVALID`, possibly for `CONSENT_REQUIRED`).
     */
    issues: Issue[];
}

/**
 * The mirror guard's figures for one list (see [`SegmentSummary::removal_limit`]).
 */
export interface RemovalLimit {
    /**
     * Members this exporter placed on the list.
     */
    placed: number;
    /**
     * The most removals allowed.
     */
    limit: number;
}

/**
 * The phase of a run.
 */
export type Phase = "lists" | "contacts" | "done";

/**
 * The run report (JS `ExportReport`).
 */
export interface ExportReport {
    /**
     * Outcome.
     */
    status: RunStatus;
    /**
     * Connection display name.
     */
    displayName: string;
    /**
     * Export user.
     */
    exportUser: string;
    /**
     * ISO-8601 start time (wall clock).
     */
    startedAt: string;
    /**
     * ISO-8601 end time (start + the run's monotonic duration).
     */
    finishedAt: string;
    /**
     * Duration in milliseconds (monotonic clock).
     */
    durationMs: number;
    /**
     * Whether this run continued from a checkpoint.
     */
    resumed: boolean;
    /**
     * Totals.
     */
    totals: Totals;
    /**
     * Per segment, in job order.
     */
    segments: SegmentReport[];
    /**
     * Request counters (the whole job, a resumed run continues the checkpoint's).
     */
    requests: RequestCounts;
    /**
     * Rejected rows and failed contacts (at most [`MAX_REJECTS`]).
     */
    rejects: Reject[];
    /**
     * Rejects not listed because of the limit (they are still counted).
     */
    rejectsOmitted: number;
    /**
     * Warnings.
     */
    warnings: Warning[];
    /**
     * The error that ended the run, if any.
     */
    error?: ReportError;
    /**
     * Resume state (always present; complete runs have every batch done).
     */
    checkpoint: Checkpoint;
    /**
     * What this exporter has confirmed on each list (DESIGN.md §9): store it and pass it
     * as `syncState` to the next run. Always present once a run started.
     */
    syncState: Uint8Array;
}

/**
 * The type of an Autopilot custom field (the `<type>` of `<type>--<Name>`).
 */
export type CustomType = "string" | "integer" | "float" | "date" | "boolean";

/**
 * Totals over all segments.
 */
export interface Totals {
    /**
     * Rows read in all segments.
     */
    profilesIn: number;
    /**
     * Rows rejected before sending.
     */
    invalid: number;
    /**
     * Duplicate rows.
     */
    duplicates: number;
    /**
     * Rows beyond the cap.
     */
    overCap: number;
    /**
     * Unique valid profiles kept (what the cap counts).
     */
    uniqueProfiles: number;
    /**
     * Contacts to upsert (one per profile and segment list).
     */
    memberships: number;
    /**
     * Confirmed contacts.
     */
    exported: number;
    /**
     * Failed contacts.
     */
    failed: number;
    /**
     * Memberships not sent because they are unchanged since the last confirmed run.
     */
    unchanged: number;
    /**
     * Memberships not sent because the run ended first.
     */
    notSent: number;
    /**
     * Memberships removed (mirror).
     */
    removed: number;
}

/**
 * What [`inspect`] found (serialised with camelCase names).
 */
export interface Inspection {
    /**
     * `csv`, `ndjson` or `json`.
     */
    format: string;
    /**
     * Column names as found (CSV header, trimmed, trailing empty names left out), or the
     * top-level keys of the sampled JSON records in order of first appearance.
     */
    headers: string[];
    /**
     * Records (CSV header and blank lines not counted), readable or not.
     */
    rows: number;
    /**
     * CSV: delimiter (and whether detected), encoding and BOM. Absent for JSON formats.
     */
    dialect?: Dialect;
    /**
     * The encoding the bytes were read in (lower-case WHATWG name).
     */
    encoding: string;
    /**
     * Whether a byte order mark was found (and removed).
     */
    bom: boolean;
    /**
     * Records that are not valid UTF-8 (or not valid in the declared encoding).
     */
    invalidUtf8Rows: number;
    /**
     * Records that cannot be read otherwise (wrong number of CSV fields, bad JSON line, a
     * JSON record that is not an object).
     */
    malformedRows: number;
    /**
     * Names that appear more than once in the CSV header (ignoring case).
     */
    duplicateHeaders: string[];
    /**
     * Set when the bytes are not a text file at all.
     */
    binary?: BinaryFile;
    /**
     * Per column of `headers`: the non-empty values of the first [`SAMPLE_ROWS`] records
     * (at most 80 characters each; JSON arrays and objects as compact JSON). A JSON value an
     * export could not read where mapped (a number beyond the doubles, a lone surrogate
     * escape) is sampled as its JSON text as written (`1e400`, spacing kept) and refuses
     * nothing here.
     */
    samples: string[][];
    /**
     * Why the source cannot be read as a whole (a JSON document that is not an array),
     * when it cannot.
     */
    error?: string;
}

/**
 * What a run does with a segment's list besides upserting its members (DESIGN.md §9).
 */
export type Membership = "add" | "mirror";

/**
 * What to do when there are more unique profiles than the cap.
 */
export type OverCap = "refuse" | "truncate";

/**
 * Why a profile row (or a contact) was not exported.
 */
export type RejectReason = "EMAIL_MISSING" | "EMAIL_INVALID" | "EMAIL_NON_ASCII" | "EMAIL_TOO_LONG" | "NOT_AN_OBJECT" | "INVALID_UTF8" | "MALFORMED_ROW" | "SERVER_REJECTED" | "NOT_CONFIRMED" | "RETRIES_EXHAUSTED";

/**
 * Why an export of this job would send nothing.
 */
export interface Blocked {
    /**
     * The error `exportSegments` would throw before any write.
     */
    code: ErrorCode;
    /**
     * Its message.
     */
    message: string;
}

/**
 * `exportSegments` options as the caller passes them (minus `signal` and `onProgress`).
 */
export interface CoreRunOptions {
    /**
     * Requests per second (default 5).
     */
    ratePerSecond?: number | undefined;
    /**
     * Concurrent requests (default: enough to use the whole rate).
     */
    maxInFlight?: number | undefined;
    /**
     * Per-request timeout in ms (default 30000).
     */
    requestTimeoutMs?: number | undefined;
    /**
     * Attempts per request for 5xx, network errors and timeouts (default 6).
     */
    maxAttempts?: number | undefined;
    /**
     * Stop cleanly after this many requests (status `paused` + checkpoint).
     */
    maxRequests?: number | undefined;
    /**
     * Upsert every membership whatever the sync state says (removals still apply).
     */
    fullResync?: boolean | undefined;
    /**
     * Resume a previous run of the same job.
     */
    checkpoint?: Checkpoint | undefined;
    /**
     * The `syncState` of the previous run's report.
     */
    syncState?: Uint8Array;
}

/**
 * `preview` options as the caller passes them.
 */
export interface CorePreviewOptions {
    /**
     * Rate for the duration estimate (default 5).
     */
    ratePerSecond?: number | undefined;
    /**
     * The previous run's sync state: the preview then shows what a refresh would change.
     */
    syncState?: Uint8Array;
    /**
     * Contacts per segment to render as they will be sent (default 3, at most 100).
     */
    sample?: number | undefined;
    /**
     * Preview a full resync.
     */
    fullResync?: boolean | undefined;
    /**
     * Accepted and checked like `RunOptions.maxInFlight`, so that one options object
     * serves `preview` and `exportSegments`; a preview sends nothing.
     */
    maxInFlight?: number | undefined;
    /**
     * Accepted and checked like `RunOptions.requestTimeoutMs` (see `maxInFlight`).
     */
    requestTimeoutMs?: number | undefined;
    /**
     * Accepted and checked like `RunOptions.maxAttempts` (see `maxInFlight`).
     */
    maxAttempts?: number | undefined;
    /**
     * Accepted and checked like `RunOptions.maxRequests` (see `maxInFlight`).
     */
    maxRequests?: number | undefined;
    /**
     * Accepted (read like `RunOptions.checkpoint`) and not used (see `maxInFlight`).
     */
    checkpoint?: Checkpoint | undefined;
}


/**
 * The API base a connection with this `baseUrl` uses, written one way (trimmed, no trailing
 * `/`, scheme and host lower-cased; the default when unset or blank): the core's rule
 * (`config::api_base_url`), for hosts that show the address or file connections under it.
 *
 * ```js
 * import { apiBaseUrl } from 'autopilot-export';
 * const id = `${apiBaseUrl(connection.baseUrl)}#${account.instanceId}`;
 * ```
 *
 * Throws an `AutopilotExportError` (`CONFIG_INVALID`, issue `TYPE_MISMATCH` at `baseUrl`)
 * for anything but a string, `undefined` or `null`.
 */
export function apiBaseUrl(base_url: string | null | undefined): string;

/**
 * Verifies the API key with `GET /v1/account` and returns Autopilot's account object.
 * Validates the connection first (no request without consent or with a bad configuration);
 * never follows a redirect.
 *
 * ```js
 * import { checkConnection } from 'autopilot-export';
 * try {
 *   const account = await checkConnection(connection, { signal: AbortSignal.timeout(10_000) });
 *   console.log('connected to', account.instanceId);
 * } catch (e) {
 *   if (e.code === 'AUTH_FAILED') alert(e.message);
 * }
 * ```
 */
export function checkConnection(conn: Connection, options?: CheckOptions): Promise<AccountInfo>;

/**
 * Downloads a URL segment source whole, with the same rules as an export (https, or http on
 * loopback; no redirect; complete or `INPUT_INVALID`), for hosts that keep the bytes — an
 * edge worker that stores a segment once and exports it in slices.
 *
 * ```js
 * import { downloadSource } from 'autopilot-export';
 * const bytes = await downloadSource({ url: 'https://cdp.example/vip.csv', format: 'csv', headers: { authorization: `Bearer ${env.CDP_TOKEN}` } });
 * ```
 */
export function downloadSource(source: UrlSource, options?: { signal?: AbortSignal }): Promise<Uint8Array>;

/**
 * Runs an export: validates, starts the account and lists reads, reads every segment, plans,
 * diffs against the previous run's `syncState`, then sends the changes through the global
 * `fetch` with pacing, retries, cancel, resume and a request budget. Resolves with the run
 * report (also when cancelled or paused: pass its `checkpoint` and `syncState` to the next
 * call). Throws `AutopilotExportError` before any write for configuration problems
 * (`CONFIG_INVALID`, `CONSENT_REQUIRED`, `CAP_EXCEEDED`, `INPUT_INVALID`, `NOTHING_TO_EXPORT`,
 * `CHECKPOINT_MISMATCH`, `STATE_MISMATCH`, `REMOVALS_EXCEEDED`), and when the run stops on
 * `AUTH_FAILED`, `API_ERROR` or `NETWORK` (the error then carries the `report`).
 *
 * ```js
 * import { exportSegments } from 'autopilot-export';
 * const report = await exportSegments(job, {
 *   syncState: await load('state'),
 *   onProgress: (p) => console.log(`${p.contactsDone}/${p.contactsTotal}`),
 * });
 * await save('state', report.syncState);
 * ```
 */
export function exportSegments(job: ExportJob, options?: RunOptions): Promise<ExportReport>;

/**
 * What a file holds, before any export (the admin page's first look at a dropped file):
 * headers, row count, detected dialect and encoding, invalid rows, duplicate headers,
 * sampled values per column, and — for a file that is not text (an `.xlsx`, a PDF, NUL
 * bytes) — a `binary` entry whose message suggests saving it as CSV.
 *
 * ```js
 * import { inspect } from 'autopilot-export';
 * const info = inspect(new Uint8Array(await file.arrayBuffer()), 'csv');
 * if (info.binary) alert(info.binary.message);
 * ```
 */
export function inspect(bytes: Uint8Array | ArrayBuffer | string, format: "csv" | "ndjson" | "json", options?: SourceOptions): Inspection;

/**
 * Whether `url` points at a loopback host (127.0.0.0/8, `localhost`, `[::1]`).
 *
 * ```js
 * import { isLoopbackUrl } from 'autopilot-export';
 * if (!isLoopbackUrl(baseUrl)) explainCors();
 * ```
 */
export function isLoopbackUrl(url: string): boolean;

/**
 * Every default, bound, list and label the package uses, for hosts that show or need them
 * (the CLI, the admin page, the extension and the worker keep no copy).
 *
 * ```js
 * import { metadata } from 'autopilot-export';
 * const m = metadata();
 * rateInput.value = m.defaults.ratePerSecond; // 5
 * for (const f of m.standardFields) addOption(f.name, f.label);
 * ```
 */
export function metadata(): Metadata;

/**
 * Dry run: reads every segment, validates, maps, de-duplicates, applies the cap, plans the
 * batches and — given the previous run's `syncState` — shows what a refresh would change,
 * without any network request (the connection is not checked). Sources must be synchronous
 * (arrays, bytes, strings or sync iterables); see `previewAsync` for streams and URLs.
 *
 * ```js
 * import { preview } from 'autopilot-export';
 * const s = preview(job, { syncState: lastReport.syncState });
 * console.log(s.changes, s.batches, s.estimatedDurationMs, s.segments[0].sample);
 * ```
 */
export function preview(job: ExportJob, options?: PreviewOptions): ExportPlanSummary;

/**
 * Like `preview`, but also accepts async iterables of chunks and URL sources.
 *
 * ```js
 * import { previewAsync } from 'autopilot-export';
 * const s = await previewAsync({ ...job, segments: [{ name: 'VIP', profiles: { url: 'https://cdp.example/vip.csv', format: 'csv' } }] });
 * ```
 */
export function previewAsync(job: ExportJob, options?: PreviewOptions): Promise<ExportPlanSummary>;

/**
 * Mapping suggestions for a file's columns (from `inspect`): the email, first and last name,
 * standard fields and an id column by their names, and every other column as a custom field
 * whose type is guessed by the export's own coercion rules from the sampled values.
 *
 * ```js
 * import { inspect, suggestMapping } from 'autopilot-export';
 * const info = inspect(bytes, 'csv');
 * const s = suggestMapping(info.headers, info.samples);
 * // { email: 'Email', firstName: 'first_name', fields: { Company: 'company' }, custom: [{ source, name, type, samples }] }
 * ```
 */
export function suggestMapping(headers: string[], samples: string[][]): Suggestion;

/**
 * Rows as CSV text (RFC 4180, CRLF), with every cell a spreadsheet would read as a formula
 * neutralised (OWASP CSV Injection).
 *
 * ```js
 * import { toCsv } from 'autopilot-export';
 * download(toCsv([['segment', 'row', 'id'], ...rejects.map((r) => [r.segment, r.row, r.id ?? null])]));
 * ```
 */
export function toCsv(rows: (string | number | boolean | null)[][]): string;

/**
 * Checks a connection without any network request and returns every problem found
 * (an empty array when it is valid).
 *
 * ```js
 * import { validateConnection } from 'autopilot-export';
 * const issues = validateConnection({ displayName: 'Marketing', apiKey: process.env.AUTOPILOT_API_KEY, consent: true, exportUser: 'ops@example.com' });
 * for (const i of issues) console.log(`${i.path}: ${i.message} (${i.code})`);
 * ```
 */
export function validateConnection(conn: Connection): Issue[];

/**
 * Checks an export configuration (connection, mapping, segments, cap, membership) without
 * any network request and returns every problem found. Of `segments[].profiles`, only the
 * description is checked (a URL source's url/format/headers, a byte source's options), never
 * the data.
 *
 * ```js
 * import { validateExportConfig } from 'autopilot-export';
 * const issues = validateExportConfig(job);
 * if (issues.length) showProblems(issues); // each has path, code, message
 * ```
 */
export function validateExportConfig(cfg: ExportConfig): Issue[];

/**
 * Checks the options of `exportSegments` (and of `preview`, which accepts the same) without
 * running anything and returns every problem found: unknown keys (`UNKNOWN_FIELD`), wrong
 * types (`TYPE_MISMATCH`), numbers out of the bounds of `metadata().numbers`
 * (`OPTION_OUT_OF_RANGE`), a checkpoint this library did not write. `signal`, `onProgress`,
 * `onCheckpoint` and `syncState` are the host's and not looked at. For hosts that store
 * options to use later (a scheduled destination).
 *
 * ```js
 * import { validateRunOptions } from 'autopilot-export';
 * const issues = validateRunOptions({ maxRequests: 45, maxInFlight: 6 }); // []
 * validateRunOptions({ ratePerSecond: 0 }); // [{ path: 'options.ratePerSecond', code: 'OPTION_OUT_OF_RANGE', ... }]
 * ```
 */
export function validateRunOptions(options: RunOptions): Issue[];

export type InitInput = RequestInfo | URL | Response | BufferSource | WebAssembly.Module;

export interface InitOutput {
    readonly memory: WebAssembly.Memory;
    readonly apiBaseUrl: (a: any) => [number, number, number, number];
    readonly checkConnection: (a: any, b: any) => any;
    readonly downloadSource: (a: any, b: any) => any;
    readonly exportSegments: (a: any, b: any) => any;
    readonly inspect: (a: any, b: number, c: number, d: any) => [number, number, number];
    readonly isLoopbackUrl: (a: number, b: number) => number;
    readonly metadata: () => any;
    readonly preview: (a: any, b: any) => [number, number, number];
    readonly previewAsync: (a: any, b: any) => any;
    readonly suggestMapping: (a: any, b: any) => [number, number, number];
    readonly toCsv: (a: any) => [number, number, number, number];
    readonly validateConnection: (a: any) => any;
    readonly validateExportConfig: (a: any) => any;
    readonly validateRunOptions: (a: any) => any;
    readonly __wbindgen_malloc: (a: number, b: number) => number;
    readonly __wbindgen_realloc: (a: number, b: number, c: number, d: number) => number;
    readonly __wbindgen_free: (a: number, b: number, c: number) => void;
    readonly __externref_table_alloc: () => number;
    readonly __wbindgen_externrefs: WebAssembly.Table;
    readonly __wbindgen_exn_store: (a: number) => void;
    readonly __wbindgen_destroy_closure: (a: number, b: number) => void;
    readonly __externref_table_dealloc: (a: number) => void;
    readonly __wbindgen_start: () => void;
}

export type SyncInitInput = BufferSource | WebAssembly.Module;

/**
 * Instantiates the given `module`, which can either be bytes or
 * a precompiled `WebAssembly.Module`.
 *
 * @param {{ module: SyncInitInput }} module - Passing `SyncInitInput` directly is deprecated.
 *
 * @returns {InitOutput}
 */
export function initSync(module: { module: SyncInitInput } | SyncInitInput): InitOutput;

/**
 * If `module_or_path` is {RequestInfo} or {URL}, makes a request and
 * for everything else, calls `WebAssembly.instantiate` directly.
 *
 * @param {{ module_or_path: InitInput | Promise<InitInput> }} module_or_path - Passing `InitInput` directly is deprecated.
 *
 * @returns {Promise<InitOutput>}
 */
export default function __wbg_init (module_or_path?: { module_or_path: InitInput | Promise<InitInput> } | InitInput | Promise<InitInput>): Promise<InitOutput>;

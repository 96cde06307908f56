// A TypeScript consumer of the built package, written the way a user would, checked with
// `tsc --noEmit --strict` against pkg/'s .d.ts (see check.sh). Never executed.
// Every `@ts-expect-error` line proves a type is real: tsc fails if that line compiles.

import {
  AutopilotExportError as ExportErrorClass,
  checkConnection,
  exportSegments,
  inspect,
  isAutopilotExportError,
  metadata,
  preview,
  previewAsync,
  suggestMapping,
  toCsv,
  validateConnection,
  validateExportConfig,
} from 'autopilot-export';
import type {
  AccountInfo,
  AutopilotExportError,
  Checkpoint,
  Connection,
  CustomField,
  ErrorCode,
  ExportConfig,
  ExportJob,
  ExportPlanSummary,
  ExportReport,
  FieldMapping,
  Issue,
  Progress,
  Metadata,
  ProfileSource,
  Reject,
  RejectReason,
  RunOptions,
  IssueCode,
  WarningCode,
  SegmentReport,
  StandardField,
  Totals,
  Warning,
} from 'autopilot-export';
// The raw glue for hosts that must initialise the module themselves.
import init, { initSync } from 'autopilot-export/init';
// @ts-expect-error the main entry initialises itself and has no default export (that is 'autopilot-export/init')
import initFromMain from 'autopilot-export';
void initFromMain;

// ------------------------------------------------------------------ configuration

// What process.env gives (string | undefined) is accepted: a missing key is reported as an
// issue (API_KEY_MISSING), not a type error.
declare const env: Record<string, string | undefined>;
const fromEnv: Connection = { displayName: 'Cron', apiKey: env.AUTOPILOT_API_KEY, consent: true, exportUser: 'cron' };
void fromEnv;

const connection: Connection = {
  displayName: 'Marketing',
  apiKey: '0123456789abcdef0123456789abcdef',
  consent: true,
  exportUser: 'ops@example.com',
  baseUrl: 'http://127.0.0.1:8080/v1',
};

const custom: CustomField[] = [
  { source: 'tier', name: 'Loyalty Tier', type: 'string' },
  { source: 'orders', name: 'Orders', type: 'integer' },
  { source: 'since', name: 'Member Since', type: 'date' },
];

const mapping: FieldMapping = {
  email: 'email',
  firstName: 'first',
  lastName: 'last',
  fields: { Company: 'company', MailingCity: 'city' },
  custom,
};

const standard: StandardField = 'LinkedIn';

async function* csvChunks(): AsyncGenerator<Uint8Array> {
  yield new TextEncoder().encode('email,first\r\nada@example.com,Ada\r\n');
}

function* recordChunks(): Generator<Record<string, unknown>[]> {
  yield [{ email: 'grace@example.com', first: 'Grace' }];
}

const sources: ProfileSource[] = [
  [{ email: 'ada@example.com', first: 'Ada', orders: 3 }],
  { csv: new TextEncoder().encode('email\nada@example.com\n') },
  { csv: csvChunks() },
  { ndjson: '{"email":"a@example.com"}\n' },
  { json: new ArrayBuffer(0) },
  recordChunks(),
];

const job: ExportJob = {
  connection,
  mapping,
  segments: sources.map((profiles, i) => ({ name: `Segment ${i}`, profiles })),
  cap: 50_000,
  overCap: 'truncate',
  lists: 'per-segment',
  listPrefix: 'CDP ',
  idField: 'customerId',
};

const config: ExportConfig = { connection, mapping, segments: [{ name: 'VIP' }] };

// ------------------------------------------------------------------- validation

const issues: Issue[] = [...validateConnection(connection), ...validateExportConfig(config), ...validateExportConfig(job)];
for (const issue of issues) {
  const line: string = `${issue.path}: ${issue.message} (${issue.code})`;
  void line;
}

// ---------------------------------------------------------------------- preview

const summary: ExportPlanSummary = preview(job, { ratePerSecond: 5 });
const totals: Totals = summary.totals;
const wouldSend: boolean = summary.wouldSend && !summary.capExceeded;
const seconds: number = summary.estimatedDurationMs / 1000 + totals.uniqueProfiles + summary.requests.total;
const firstReject: Reject | undefined = summary.rejects[0];
// invalidByReason is keyed by the reject reason union.
const byReason: Partial<Record<RejectReason, number>> | undefined = summary.segments[0]?.invalidByReason;
const invalidEmails: number = summary.segments[0]?.invalidByReason.EMAIL_INVALID ?? 0;
const changes: number = summary.changes.added + summary.changes.updated + summary.changes.removed;
const sample: Record<string, unknown> | undefined = summary.segments[0]?.sample[0];
const headroom: number | undefined = summary.segments[0]?.removalLimit?.limit;
void wouldSend, seconds, firstReject, byReason, standard, invalidEmails, changes, sample, headroom;

// ------------------------------------------------------------ metadata and files

const meta: Metadata = metadata();
const defaultRate: number = meta.defaults.ratePerSecond;
const fieldNames: string[] = meta.standardFields.map((f) => `${f.name}: ${f.label}`);
const info = inspect(new Uint8Array(0), 'csv', { delimiter: ';' });
const suggestion = suggestMapping(info.headers, info.samples);
const csv: string = toCsv([['segment', 'row'], ['VIP', 3], [null, true]]);
const extensions: string[] = meta.formats.flatMap((f) => f.extensions);
const serverSide: boolean = meta.serverRejectReasons.includes('NOT_CONFIRMED');
void defaultRate, fieldNames, suggestion.email, csv, extensions, serverSide;

// --------------------------------------------------------------- error handling

function describe(e: unknown): string {
  // The class exists at runtime: instanceof narrows.
  if (e instanceof ExportErrorClass) {
    const narrowed: AutopilotExportError = e;
    void narrowed.code;
  }
  if (!isAutopilotExportError(e)) return String(e);
  const code: ErrorCode = e.code;
  switch (code) {
    case 'CONSENT_REQUIRED':
    case 'CONFIG_INVALID':
      return e.issues.map((i) => i.path).join(', ');
    case 'AUTH_FAILED':
      return `stopped after ${e.report?.requests.sent ?? 0} requests`;
    default:
      return `${code}: ${e.message}`;
  }
}

// ----------------------------------------------------------------------- export

export async function main(saved?: Checkpoint): Promise<ExportReport | undefined> {
  const summaryAsync: ExportPlanSummary = await previewAsync(job);
  void summaryAsync;

  const account: AccountInfo = await checkConnection(connection, { signal: AbortSignal.timeout(10_000) });
  const instance: string | undefined = account.instanceId;
  void instance;

  // Promise chaining must see the resolved types too (not a Promise of a Promise).
  const status: Promise<ExportReport['status']> = exportSegments(job).then((r) => r.status);
  const id: Promise<string | undefined> = checkConnection(connection).then((a) => a.instanceId);
  const batches: Promise<number> = previewAsync(job).then((s) => s.batches);
  void status, id, batches;

  const controller = new AbortController();
  const options: RunOptions = {
    signal: controller.signal,
    onProgress: (p: Progress) => {
      const pct = p.contactsTotal ? (100 * p.contactsDone) / p.contactsTotal : 0;
      const eta: number | undefined = p.etaMs;
      if (p.phase === 'contacts' && pct > 50 && eta !== undefined) controller.abort();
    },
    ratePerSecond: 5,
    maxInFlight: 4,
    requestTimeoutMs: 30_000,
    maxAttempts: 6,
    checkpoint: saved,
    maxRequests: 45,
    fullResync: false,
    onCheckpoint: (cp: Checkpoint) => void cp.done,
  };
  try {
    const report: ExportReport = await exportSegments(job, options);
    if (report.status === 'cancelled') {
      const checkpoint: Checkpoint = report.checkpoint;
      const text = JSON.stringify(checkpoint);
      return main(JSON.parse(text) as Checkpoint);
    }
    const lists: (string | undefined)[] = report.segments.map((s: SegmentReport) => s.listId);
    const warnings: Warning[] = report.warnings;
    const exported: number = report.totals.exported + report.requests.retried + report.totals.unchanged + report.totals.removed;
    const state: Uint8Array = report.syncState;
    const again: RunOptions = { syncState: state };
    const paused: boolean = report.status === 'paused';
    const reasons: RejectReason[] = report.rejects.map((r) => r.reason);
    const warningCodes: WarningCode[] = warnings.map((w) => w.code);
    const issueCodes: IssueCode[] = issues.map((i) => i.code);
    void lists, warnings, exported, again, paused, reasons, warningCodes, issueCodes;
    return report;
  } catch (e) {
    console.error(describe(e));
    return undefined;
  }
}

// Hosts without top-level await (e.g. an extension's service worker).
export async function manualInit(bytes: ArrayBuffer, module: WebAssembly.Module): Promise<void> {
  initSync({ module });
  await init({ module_or_path: bytes });
}

// ------------------------------------------------- the types are real: must NOT compile

// @ts-expect-error overCap is 'refuse' | 'truncate'
const badOverCap: ExportJob = { ...job, overCap: 'drop' };

// @ts-expect-error the mapping needs `email`
const noEmail: FieldMapping = { firstName: 'first' };

// @ts-expect-error custom field types are string|integer|float|date|boolean
const badType: CustomField = { source: 'x', name: 'X', type: 'money' };

// @ts-expect-error standard fields are Autopilot's names (typo)
const badStandard: FieldMapping = { email: 'email', fields: { Compnay: 'company' } };

// @ts-expect-error consent is a boolean, not "yes"
const badConsent: Connection = { ...connection, consent: 'yes' };

// @ts-expect-error a segment's profiles are not a number
const badProfiles: ExportJob = { ...job, segments: [{ name: 'S', profiles: 42 }] };

// @ts-expect-error ratePerSecond is a number
const badRate: RunOptions = { ratePerSecond: '5' };

// @ts-expect-error onProgress receives a Progress, not a string
const badProgress: RunOptions = { onProgress: (p: string) => void p };

// @ts-expect-error preview is synchronous: no .then
preview(job).then(() => undefined);

// @ts-expect-error a report status is succeeded|partial|failed|cancelled|paused
const badStatus: ExportReport['status'] = 'done';

// @ts-expect-error a checkpoint is the library's object, not any object
const badCheckpoint: Checkpoint = { version: 1 };

// @ts-expect-error error codes are a closed set
const badCode: ErrorCode = 'TIMEOUT';

// @ts-expect-error exportSegments needs a job
exportSegments();

// @ts-expect-error reject reasons are a closed set (misspelt)
const badReason: RejectReason = 'EMAIL_INVLAID';

// @ts-expect-error issue codes are a closed set (misspelt)
const badIssue: IssueCode = 'UNKNOWN_FEILD';

// @ts-expect-error invalidByReason is keyed by reject reasons
const badKey: number | undefined = summary.segments[0]?.invalidByReason.EMAIL_BAD;

// @ts-expect-error the sync state is bytes, not a string
const badState: RunOptions = { syncState: 'abc' };

// @ts-expect-error membership is 'add' | 'mirror'
const badMembership: ExportJob = { ...job, membership: 'sync' };

void badOverCap, noEmail, badType, badStandard, badConsent, badProfiles, badRate, badProgress, badStatus, badCheckpoint, badCode;
void badReason, badIssue, badKey, badState, badMembership;

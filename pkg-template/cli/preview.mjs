// `preview`: the dry run. Reads every segment, asks the package for the plan summary (with
// the sync state of --state, read only, and --sample contacts), prints it for people on
// stderr and as JSON on stdout or --report (sample emails masked in both), and the rejected
// rows as CSV with --rejects. No network request at all.

import { describeIssues, openSources } from './config.mjs';
import { packageError } from './errors.mjs';
import { readState } from './files.mjs';
import { prepare, segmentsForValidation } from './job.mjs';
import { CliError, EXIT, maskEmails, say } from './output.mjs';
import { previewLines } from './render.mjs';
import { writeJsonResult, writeRejects } from './results.mjs';

export async function commandPreview(ap, values, numbers) {
  const { config, segs, job, run, ctx } = prepare(values, numbers, { withKey: false });
  // The whole job is checked first, except the API key, which a dry run never reads.
  const issues = [...config.issues, ...describeIssues(
    ap.validateExportConfig({ ...job, segments: segmentsForValidation(segs) }).filter((i) => i.path !== 'connection.apiKey'),
    ctx,
  )];
  if (issues.length) throw new CliError(`${values.config}: the configuration is invalid:`, EXIT.USAGE, issues);
  const syncState = values.state !== undefined ? readState(values.state) : null;
  if (values.state !== undefined && !syncState) say(`Note: ${values.state} does not exist yet: this is the preview of a first run (every membership is added).`);
  // The whole "run" section goes to the package, which checks every option (a preview
  // uses the rate and fullResync).
  const opts = { ...run, sample: numbers.sample ?? 0 };
  if (syncState) opts.syncState = syncState;
  const streams = [];
  process.once('SIGINT', () => process.exit(EXIT.CANCELLED));
  let summary;
  try {
    summary = await ap.previewAsync({ ...job, segments: openSources(segs, streams) }, opts);
  } catch (e) {
    throw packageError(ap, e, ctx);
  } finally {
    for (const s of streams) s.destroy();
  }
  const ratio = job.maxRemovalRatio ?? ap.metadata().defaults.maxRemovalRatio;
  for (const l of previewLines(summary, { config: values.config, withState: Boolean(syncState), mirror: job.membership === 'mirror', ratio, sample: opts.sample })) say(l);
  writeJsonResult(values, maskEmails(summary), 'preview summary');
  if (values.rejects !== undefined) writeRejects(ap, values.rejects, summary);
  return summary.wouldSend === false ? EXIT.USAGE : EXIT.OK;
}

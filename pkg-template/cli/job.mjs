// What every command builds before calling the package: the configuration, the segments,
// the connection, the job with the refresh flags applied (--mirror, --max-removal-ratio),
// the run options (the file's "run" section as it is, plus --rate, --max-requests,
// --full-resync), and the context that maps issue paths back to the flags that set them.

import { connectionOf, loadConfig, segmentsOf, urlSource } from './config.mjs';

export function prepare(values, numbers, { withKey }) {
  const config = loadConfig(values.config);
  const conn = connectionOf(config, { withKey });
  const segs = segmentsOf(values, config);
  const flags = {};
  const job = { ...config.job, connection: conn };
  if (values.mirror) {
    job.membership = 'mirror';
    flags.membership = '--mirror';
  }
  if (numbers['max-removal-ratio'] !== undefined) {
    job.maxRemovalRatio = numbers['max-removal-ratio'];
    flags.maxRemovalRatio = '--max-removal-ratio';
  }
  const run = { ...config.run };
  if (numbers.rate !== undefined) {
    run.ratePerSecond = numbers.rate;
    flags['options.ratePerSecond'] = '--rate';
  }
  if (numbers['max-requests'] !== undefined) {
    run.maxRequests = numbers['max-requests'];
    flags['options.maxRequests'] = '--max-requests';
  }
  if (values['full-resync']) {
    run.fullResync = true;
    flags['options.fullResync'] = '--full-resync';
  }
  if (numbers.sample !== undefined) flags['options.sample'] = '--sample';
  if (values.state !== undefined) flags['options.syncState'] = `--state ${values.state}`;
  const ctx = { configFile: values.config, segments: segs, flags, stateFile: values.state };
  return { config, conn, segs, job, run, ctx };
}

/** The job's segments as names only (and URL sources), for validation without reading. */
export function segmentsForValidation(segs) {
  return segs.map((s) => (s.url !== undefined ? { name: s.name, profiles: urlSource(s) } : { name: s.name }));
}

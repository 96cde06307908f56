// workerd runner: a module worker that imports the package BY NAME (the config names the
// package's workerd entry module "autopilot-export") and runs the suite in its fetch handler.
// GET / -> "ready"; POST / with {"emulatorOrigin", "apiKey", "tag"} -> the suite's result as JSON.
import * as ap from 'autopilot-export';
import { runSuite } from './suite.mjs';

export default {
  async fetch(request) {
    if (request.method !== 'POST') return new Response('ready');
    const opts = await request.json();
    const result = await runSuite(ap, { ...opts, log: (line) => console.log(`[workerd] ${line}`) });
    result.runtime = 'workerd';
    let resolved;
    try {
      resolved = import.meta.resolve ? import.meta.resolve('autopilot-export') : undefined;
    } catch {
      resolved = undefined;
    }
    result.resolved = resolved ?? 'autopilot-export (workerd module name)';
    return Response.json(result);
  },
};

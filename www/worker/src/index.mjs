// Entry of the Cloudflare Worker (module syntax): HTTP requests go to http.mjs, Cron Trigger
// firings to the registry, which starts the destinations due; the two Durable Object classes
// are exported here because wrangler.toml binds them by name from the main module.

import { handle, registry } from './http.mjs';

export { Destination } from './destination.mjs';
export { Registry } from './registry.mjs';

export default {
  /** @param {Request} request @param {Record<string, any>} env */
  async fetch(request, env) {
    return handle(request, env);
  },

  /**
   * A Cron Trigger fired: start every destination whose schedule is this cron.
   * @param {{cron: string, scheduledTime: number}} controller
   * @param {Record<string, any>} env
   */
  async scheduled(controller, env) {
    const r = await registry(env).dispatch({ cron: controller.cron, scheduledTime: controller.scheduledTime });
    console.log(`cron ${controller.cron}: ${r.due} due, ${r.started} started, ${r.pending} pending`);
  },
};

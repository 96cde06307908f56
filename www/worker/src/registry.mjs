// The registry Durable Object (one per Worker): which destinations exist and which Cron
// Trigger each follows, and the fan-out of a firing to the destinations it concerns.
//
// Cloudflare's Cron Triggers are the scheduler; a destination's `schedule.cron` names one of
// them. When a trigger fires, the Worker hands it to the registry, which starts every
// destination on that cron, at most SCHEDULE_FANOUT per invocation (each start is one
// subrequest), continuing in its own alarm until all are started. A destination ignores a
// firing it has already handled, so a repeated delivery starts nothing twice.

import { DurableObject } from 'cloudflare:workers';
import { SCHEDULE_FANOUT } from './limits.mjs';

const PENDING = 'pending';
const destKey = (id) => `dest:${id}`;

/** Destination directory and cron fan-out (Durable Object class; one object named "registry"). */
export class Registry extends DurableObject {
  /** @param {DurableObjectState} ctx @param {Record<string, unknown>} env */
  constructor(ctx, env) {
    super(ctx, env);
    this.kv = ctx.storage.kv;
  }

  /**
   * Records a destination and the cron it follows (null: manual runs only).
   * @param {string} id
   * @param {string|null} cron
   */
  async set(id, cron) {
    this.kv.put(destKey(id), { cron });
  }

  /** Destination ids and their crons. @returns {Promise<{id: string, cron: string|null}[]>} */
  async list() {
    return [...this.kv.list({ prefix: 'dest:' })].map(([k, v]) => ({ id: k.slice(5), cron: v.cron }));
  }

  /**
   * Starts the destinations that follow `cron` (the firing of a Cron Trigger).
   * @param {{cron: string, scheduledTime: number}} firing
   * @returns {Promise<{due: number, started: number, pending: number}>}
   */
  async dispatch({ cron, scheduledTime }) {
    const due = (await this.list()).filter((d) => d.cron === cron).map((d) => d.id);
    const queue = this.kv.get(PENDING) ?? [];
    queue.push(...due.map((id) => ({ id, cron, scheduledTime })));
    this.kv.put(PENDING, queue);
    const started = await this.#pump();
    return { due: due.length, started, pending: (this.kv.get(PENDING) ?? []).length };
  }

  /** Continues a fan-out that did not fit one invocation. */
  async alarm() {
    await this.#pump();
  }

  async #pump() {
    // One pump at a time: a dispatch arriving meanwhile only queues; the running pump (or its
    // alarm) takes those entries too.
    if (this.pumping) return 0;
    this.pumping = true;
    try {
      return await this.#pumpOnce();
    } finally {
      this.pumping = false;
    }
  }

  async #pumpOnce() {
    const queue = this.kv.get(PENDING) ?? [];
    const now = queue.slice(0, SCHEDULE_FANOUT);
    let started = 0;
    for (const { id, cron, scheduledTime } of now) {
      const stub = this.env.DESTINATION.get(this.env.DESTINATION.idFromName(id));
      try {
        const r = await stub.startScheduled({ cron, scheduledTime });
        if (r.started) started += 1;
        else if (r.reason !== 'NOT_DUE' && r.reason !== 'ALREADY_HANDLED') console.log(`registry: ${id} not started for ${cron}: ${r.reason}`);
      } catch (e) {
        console.error(`registry: starting ${id} failed: ${e?.message ?? e}`);
      }
    }
    const rest = (this.kv.get(PENDING) ?? []).slice(now.length);
    this.kv.put(PENDING, rest);
    if (rest.length > 0) await this.ctx.storage.setAlarm(Date.now());
    return started;
  }
}

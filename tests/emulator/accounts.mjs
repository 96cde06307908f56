// The emulator's accounts: one Store (contacts, lists, custom fields,
// instanceId) per account, and the API-key → account lookup. Several keys of
// one account share its store (a rotated key). Reconciles the stores when the
// `accounts` option changes: an account whose `instanceId` names a current
// account keeps that account's data; any other gets a fresh store. An account's
// instanceId never changes while it exists (reset() keeps it).

import { Store } from './store.mjs';

/**
 * @typedef {object} AccountSpec  normalised `accounts[i]` option (config.mjs)
 * @property {string | null} instanceId  null = a new account, instanceId generated from the seed
 * @property {string[]} apiKeys
 */

/**
 * Seed of the id generator of the i-th account ever created (from 0): the
 * emulator seed for the first (so single-account ids are unchanged), a
 * different stream for each later one, so generated instanceIds never repeat.
 * @param {number} seed @param {number} i
 */
export function accountSeed(seed, i) {
  return i === 0 ? seed : (seed + Math.imul(i, 0x9e3779b1)) | 0;
}

export class Accounts {
  /** @param {AccountSpec[]} specs @param {number} seed */
  constructor(specs, seed) {
    /** @type {Store[]} in `accounts` order */
    this.stores = [];
    /** @type {Map<string, Store>} */
    this.byKey = new Map();
    /** Accounts created so far (numbers each new store's id stream). */
    this.created = 0;
    this.commit(this.plan(specs, seed), specs);
  }

  /**
   * Stores for a new account list, without changing anything yet. Throws a
   * TypeError if two accounts would end up with the same instanceId.
   * @param {AccountSpec[]} specs @param {number} seed
   * @returns {Store[]}
   */
  plan(specs, seed) {
    const unclaimed = new Map(this.stores.map((s) => [s.instanceId, s]));
    let n = this.created;
    const stores = specs.map((spec) => {
      const kept = spec.instanceId === null ? undefined : unclaimed.get(spec.instanceId);
      if (kept !== undefined) {
        unclaimed.delete(spec.instanceId);
        return kept;
      }
      const store = new Store(accountSeed(seed, n), spec.instanceId ?? undefined);
      store.creation = n;
      n += 1;
      return store;
    });
    const ids = stores.map((s) => s.instanceId);
    const dup = ids.find((id, i) => ids.indexOf(id) !== i);
    if (dup !== undefined) {
      throw new TypeError(`Invalid emulator option "accounts": two accounts would have instanceId ${dup}`);
    }
    return stores;
  }

  /**
   * Makes a planned store list current (keys and seeds from `specs`).
   * @param {Store[]} stores @param {AccountSpec[]} specs
   */
  commit(stores, specs) {
    for (const s of stores) this.created = Math.max(this.created, s.creation + 1);
    this.stores = stores;
    this.setKeys(specs);
  }

  /** Re-points API keys (same accounts, other keys). @param {AccountSpec[]} specs */
  setKeys(specs) {
    this.byKey = new Map();
    specs.forEach((spec, i) => { for (const key of spec.apiKeys) this.byKey.set(key, this.stores[i]); });
  }

  /** @param {string} key @returns {Store | undefined} */
  storeForKey(key) {
    return this.byKey.get(key);
  }

  /** The first account's store (the top level of `state()`). */
  get first() {
    return this.stores[0];
  }

  /** Seeds every store's next `clear()` from `seed`. @param {number} seed */
  reseed(seed) {
    for (const s of this.stores) s.seed = accountSeed(seed, s.creation);
  }

  /** Clears every account's data and restarts its id sequence. */
  clearAll() {
    for (const s of this.stores) s.clear();
  }

  /**
   * Finds a list by id in any account.
   * @param {string} listId
   * @returns {{store: Store, list: any} | undefined}
   */
  findList(listId) {
    for (const store of this.stores) {
      const list = store.lists.get(listId);
      if (list) return { store, list };
    }
    return undefined;
  }
}

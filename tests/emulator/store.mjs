// In-memory data of the Autopilot emulator: contacts, lists, custom-field
// definitions, and the validation of contact objects as the legacy v1 API
// receives them (research notes §1.4–§1.8). No I/O here; index.mjs owns HTTP.

/** Standard contact fields whose value must be a JSON string ([APIARY-2015] field table). */
export const STRING_FIELDS = Object.freeze([
  'Email', 'FirstName', 'LastName', 'Salutation', 'Company', 'Title', 'Industry',
  'Phone', 'MobilePhone', 'Fax', 'Website', 'MailingStreet', 'MailingCity',
  'MailingState', 'MailingPostalCode', 'MailingCountry', 'owner_name', 'LeadSource',
  'Status', 'LinkedIn', 'Twitter',
]);

/** Control keys accepted inside a contact object besides the standard fields. */
const CONTROL_KEYS = Object.freeze([
  'NumberOfEmployees', 'unsubscribed', 'custom', '_autopilot_list',
  '_autopilot_session_id', '_NewEmail', 'notify',
]);

const STRING_FIELD_SET = new Set(STRING_FIELDS);
const ALLOWED_KEYS = new Set([...STRING_FIELDS, ...CONTROL_KEYS]);

/** Custom-field type prefixes of the legacy API ([PHP] `$allowedTypes`, [SDK]). */
export const CUSTOM_TYPES = Object.freeze(['string', 'integer', 'float', 'date', 'boolean']);

/** Contacts per page of `/list/{id}/contacts` ([BLOG-BOOKMARK], [TAP] PER_PAGE). */
export const PAGE_SIZE = 100;

/** Most contacts in one `POST /contacts` ([BLOG-BULK]). */
export const MAX_BULK = 100;

// Loose email syntax: one "@", no whitespace, something on both sides. The
// exporter validates emails far more strictly before sending.
const EMAIL_RE = /^[^\s@]+@[^\s@]+$/;

// ISO-8601 date or date-time, optionally with fraction and zone.
const ISO_DATE_RE =
  /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}(?::?\d{2})?)?)?$/;

/**
 * Deterministic 32-bit PRNG (mulberry32). Returns a function giving floats in [0, 1).
 * @param {number} seed
 * @returns {() => number}
 */
export function mulberry32(seed) {
  let a = seed >>> 0;
  return function next() {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * An upper-case UUID (version-4 layout) drawn from `rand`, as Autopilot ids use
 * ([APIARY-2015], [RUBY-VCR]: `person_9EAF39E4-9AEC-4134-964A-D9D8D54162E7`).
 * @param {() => number} rand
 */
function uuidUpper(rand) {
  let hex = '';
  for (let i = 0; i < 32; i += 1) hex += Math.floor(rand() * 16).toString(16);
  const variant = (8 + Math.floor(rand() * 4)).toString(16);
  const u = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
  return u.toUpperCase();
}

/** @param {unknown} v */
function isPlainObject(v) {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Splits and checks a custom-field key `<type>--<Name>` ([BLOG-BULK], [PHP] `formatName`).
 * @param {string} key
 * @returns {{type: string, name: string} | string} the parts, or an error message
 */
export function parseCustomKey(key) {
  const sep = key.indexOf('--');
  if (sep < 0) {
    return `Invalid custom field key "${key}": expected "<type>--<Name>".`;
  }
  const type = key.slice(0, sep);
  const encodedName = key.slice(sep + 2);
  if (!CUSTOM_TYPES.includes(type)) {
    return `Invalid custom field key "${key}": unknown type "${type}" (expected one of ${CUSTOM_TYPES.join(', ')}).`;
  }
  if (encodedName === '') {
    return `Invalid custom field key "${key}": the field name is empty.`;
  }
  if (/\s/.test(encodedName)) {
    return `Invalid custom field key "${key}": spaces in the field name must be written as "--".`;
  }
  return { type, name: encodedName.split('--').join(' ') };
}

/**
 * The fixed message of the `rejectCustomKey` option: the account's field has
 * another type than the key says, so every contact carrying the key fails alike.
 * @param {string} key a valid `<type>--<Name>` key
 */
export function rejectCustomKeyMessage(key) {
  const parsed = /** @type {{type: string, name: string}} */ (parseCustomKey(key));
  return `Invalid custom field "${key}": the account's field "${parsed.name}" is not of type ${parsed.type}.`;
}

/**
 * Checks a custom-field value against its declared type.
 * @param {string} type
 * @param {unknown} value
 * @returns {boolean}
 */
function customValueOk(type, value) {
  switch (type) {
    case 'string': return typeof value === 'string';
    case 'integer': return typeof value === 'number' && Number.isInteger(value);
    case 'float': return typeof value === 'number' && Number.isFinite(value);
    case 'boolean': return typeof value === 'boolean';
    case 'date':
      return typeof value === 'string' && ISO_DATE_RE.test(value) && !Number.isNaN(Date.parse(value));
    default: return false;
  }
}

/** @param {string} type @param {unknown} value */
function readBackValue(type, value) {
  // Stored dates come back as ISO-8601 with milliseconds ([RUBY-VCR]: "2016-11-22T00:00:00.000Z").
  return type === 'date' ? new Date(/** @type {string} */ (value)).toISOString() : value;
}

/**
 * @typedef {object} ValidContact
 * @property {string} email        Email exactly as sent
 * @property {string} emailKey     lower-cased Email (the de-dupe key)
 * @property {Record<string, unknown>} fields  standard fields + unsubscribed (write shape)
 * @property {Array<[string, {type: string, name: string, value: unknown}]>} custom
 * @property {string | undefined} listId    `_autopilot_list`
 * @property {string | undefined} newEmail  `_NewEmail`
 */

/**
 * The data of one Autopilot account (accounts.mjs holds one Store per account).
 */
export class Store {
  /**
   * @param {number} seed seeds the id generator (ids are deterministic per seed)
   * @param {string} [instanceId] the account's instanceId; default: generated from the seed.
   *        Either way it stays for the store's lifetime (clear() keeps it).
   */
  constructor(seed, instanceId) {
    this.seed = seed;
    /** @type {string | undefined} */
    this.instanceId = instanceId;
    /** Which account this is among those the emulator created, from 0 (accounts.mjs). */
    this.creation = 0;
    this.clear();
  }

  /** Drops every contact, list and custom-field definition; restarts the id sequence; keeps instanceId. */
  clear() {
    this.idRand = mulberry32((this.seed ^ 0x85ebca6b) >>> 0);
    /** @type {Map<string, any>} contact_id -> contact record */
    this.contacts = new Map();
    /** @type {Map<string, string>} lower-cased email -> contact_id */
    this.byEmail = new Map();
    /** @type {Map<string, any>} list_id -> list record */
    this.lists = new Map();
    /** @type {Map<string, {name: string, fieldType: string}>} custom key -> definition */
    this.customFields = new Map();
    // The first draw of a sequence is the instanceId, so ids after a clear()
    // equal those of a fresh store with the same seed.
    const generated = `instance_${uuidUpper(this.idRand)}`;
    this.instanceId ??= generated;
  }

  /** @param {string} prefix */
  newId(prefix) {
    return `${prefix}_${uuidUpper(this.idRand)}`;
  }

  // ---------------------------------------------------------------- contacts

  /**
   * Validates one contact object as received inside `{"contact": …}` or
   * `{"contacts": […]}`. Never mutates state.
   * @param {unknown} raw
   * @param {{rejectWhen?: string, rejectCustomKey?: string}} [opts] test options (see README):
   *        rejectWhen marker; rejectCustomKey = a custom key every contact carrying it fails on
   * @returns {{ok: true, contact: ValidContact} | {ok: false, message: string}}
   */
  validateContact(raw, opts = {}) {
    const { rejectWhen, rejectCustomKey } = opts;
    const fail = (message) => ({ ok: false, message });
    if (!isPlainObject(raw)) return fail('A contact must be a JSON object.');
    const input = /** @type {Record<string, unknown>} */ (raw);
    // Checked first, so that every contact carrying the key fails with the same message.
    if (rejectCustomKey && isPlainObject(input.custom) && Object.hasOwn(/** @type {object} */ (input.custom), rejectCustomKey)) {
      return fail(rejectCustomKeyMessage(rejectCustomKey));
    }
    /** @type {Record<string, unknown>} */
    const fields = {};
    /** @type {ValidContact['custom']} */
    const custom = [];
    let listId;
    let newEmail;
    const strings = [];

    for (const [key, value] of Object.entries(input)) {
      if (!ALLOWED_KEYS.has(key)) return fail(`Unknown contact field "${key}".`);
      if (STRING_FIELD_SET.has(key)) {
        if (typeof value !== 'string') return fail(`Contact field "${key}" must be a string.`);
        fields[key] = value;
        strings.push(value);
      } else if (key === 'NumberOfEmployees') {
        if (typeof value !== 'string' && !(typeof value === 'number' && Number.isFinite(value))) {
          return fail('Contact field "NumberOfEmployees" must be a number or a string.');
        }
        fields[key] = value;
      } else if (key === 'unsubscribed' || key === 'notify') {
        if (typeof value !== 'boolean') return fail(`Contact field "${key}" must be a boolean.`);
        if (key === 'unsubscribed') fields[key] = value;
      } else if (key === '_autopilot_list') {
        if (typeof value !== 'string' || !this.lists.has(value)) {
          return fail(`Invalid _autopilot_list value provided: list ${JSON.stringify(value)} could not be found.`);
        }
        listId = value;
      } else if (key === '_autopilot_session_id') {
        if (typeof value !== 'string') return fail('Contact field "_autopilot_session_id" must be a string.');
      } else if (key === '_NewEmail') {
        if (typeof value !== 'string' || !EMAIL_RE.test(value.trim())) {
          return fail('Invalid _NewEmail value provided.');
        }
        newEmail = value.trim();
      } else if (key === 'custom') {
        if (!isPlainObject(value)) return fail('Contact field "custom" must be an object.');
        for (const [ckey, cvalue] of Object.entries(/** @type {object} */ (value))) {
          const parsed = parseCustomKey(ckey);
          if (typeof parsed === 'string') return fail(parsed);
          if (!customValueOk(parsed.type, cvalue)) {
            const article = /^[aeiou]/.test(parsed.type) ? 'an' : 'a';
            return fail(`Invalid value for custom field "${ckey}": expected ${article} ${parsed.type}.`);
          }
          if (typeof cvalue === 'string') strings.push(cvalue);
          custom.push([ckey, { type: parsed.type, name: parsed.name, value: cvalue }]);
        }
      }
    }

    if (!('Email' in fields)) return fail('Contact field "Email" is required.');
    const email = /** @type {string} */ (fields.Email);
    if (!EMAIL_RE.test(email)) return fail('Invalid Email value provided.');
    if (rejectWhen && (email.includes(rejectWhen) || strings.includes(rejectWhen))) {
      return fail('Contact rejected by the emulator\'s rejectWhen marker.');
    }
    return {
      ok: true,
      contact: { email, emailKey: email.toLowerCase(), fields, custom, listId, newEmail },
    };
  }

  /**
   * Applies one validated contact: upsert by case-insensitive email, merging fields.
   * @param {ValidContact} c
   * @param {string} now ISO timestamp
   * @returns {{id: string, created: boolean}}
   */
  upsert(c, now) {
    let id = this.byEmail.get(c.emailKey);
    let rec = id === undefined ? undefined : this.contacts.get(id);
    const created = rec === undefined;
    if (rec === undefined) {
      id = this.newId('person');
      rec = { contact_id: id, fields: {}, custom: {}, lists: new Set(), created_at: now, updated_at: now };
      this.contacts.set(id, rec);
      this.byEmail.set(c.emailKey, id);
    }
    Object.assign(rec.fields, c.fields);
    for (const [key, def] of c.custom) {
      rec.custom[key] = def.value;
      if (!this.customFields.has(key)) this.customFields.set(key, { name: def.name, fieldType: def.type });
    }
    if (c.newEmail !== undefined) this.changeEmail(rec, c.newEmail);
    if (c.listId !== undefined) this.addToList(c.listId, rec.contact_id);
    rec.updated_at = now;
    return { id: /** @type {string} */ (id), created };
  }

  /** `_NewEmail`: renames unless the new address belongs to another contact. */
  changeEmail(rec, newEmail) {
    const newKey = newEmail.toLowerCase();
    const holder = this.byEmail.get(newKey);
    if (holder !== undefined && holder !== rec.contact_id) return;
    this.byEmail.delete(String(rec.fields.Email).toLowerCase());
    rec.fields.Email = newEmail;
    this.byEmail.set(newKey, rec.contact_id);
  }

  /**
   * Finds a contact by `person_…` id or by email (case-insensitive) ([APIARY-2015]).
   * @param {string} idOrEmail
   * @returns {any | undefined | null} record, undefined if absent, null if the value is invalid
   */
  findContact(idOrEmail) {
    if (idOrEmail.startsWith('person_')) return this.contacts.get(idOrEmail);
    if (idOrEmail.includes('@')) {
      const id = this.byEmail.get(idOrEmail.toLowerCase());
      return id === undefined ? undefined : this.contacts.get(id);
    }
    return null;
  }

  /**
   * Contact in Autopilot's read shape ([RUBY-VCR], [BLOG-BOOKMARK]; research §1.8).
   * @param {any} rec
   */
  readShape(rec) {
    const f = rec.fields;
    /** @type {Record<string, unknown>} */
    const out = { contact_id: rec.contact_id, type: 'Contact', ...f };
    const name = [f.FirstName, f.LastName].filter((s) => typeof s === 'string' && s !== '').join(' ');
    if (name !== '') out.Name = name;
    out.lists = [...rec.lists];
    const customFields = Object.entries(rec.custom).map(([key, value]) => {
      const def = /** @type {{type: string, name: string}} */ (parseCustomKey(key));
      return { kind: def.name, value: readBackValue(def.type, value), fieldType: def.type, deleted: false };
    });
    if (customFields.length > 0) out.custom_fields = customFields;
    out.api_originated = true;
    out.created_at = rec.created_at;
    out.updated_at = rec.updated_at;
    return out;
  }

  /** Contact in the emulator's state shape (write shape + id, lists, timestamps). */
  stateShape(rec) {
    return {
      contact_id: rec.contact_id,
      ...structuredClone(rec.fields),
      custom: structuredClone(rec.custom),
      lists: [...rec.lists],
      created_at: rec.created_at,
      updated_at: rec.updated_at,
    };
  }

  /**
   * This account's part of `state()`: a deep copy. Without contacts, the
   * `contacts` array and each list's `contact_ids` are left out.
   * @param {boolean} withContacts
   */
  snapshot(withContacts) {
    return {
      instanceId: this.instanceId,
      contactCount: this.contacts.size,
      ...(withContacts ? { contacts: [...this.contacts.values()].map((r) => this.stateShape(r)) } : {}),
      lists: [...this.lists.values()].map((l) => ({
        list_id: l.list_id,
        title: l.title,
        total_contacts: l.members.size,
        ...(withContacts ? { contact_ids: this.listMemberIds(l) } : {}),
      })),
      customFields: [...this.customFields.entries()].map(([key, d]) => ({ key, name: d.name, fieldType: d.fieldType })),
    };
  }

  // ------------------------------------------------------------------- lists

  /** @param {string} title */
  findListByTitle(title) {
    for (const list of this.lists.values()) if (list.title === title) return list;
    return undefined;
  }

  /**
   * Creates a list. Caller checks for title conflicts first.
   * @param {string} title
   */
  createList(title) {
    const list = {
      list_id: this.newId('contactlist'),
      title,
      // Current members: contact_id -> membership sequence number.
      members: new Map(),
      // Latest sequence number ever given to a contact on this list (kept after
      // removal so an old bookmark still resolves).
      seqOf: new Map(),
      // Membership log in sequence order; entries whose seq no longer matches
      // `members` are stale (removed or re-added later).
      order: [],
      nextSeq: 0,
    };
    this.lists.set(list.list_id, list);
    return list;
  }

  /**
   * @param {string} listId
   * @param {string} contactId
   * @returns {boolean} false if it was already a member
   */
  addToList(listId, contactId) {
    const list = this.lists.get(listId);
    const rec = this.contacts.get(contactId);
    if (!list || !rec || list.members.has(contactId)) return false;
    const seq = list.nextSeq++;
    list.members.set(contactId, seq);
    list.seqOf.set(contactId, seq);
    list.order.push({ id: contactId, seq });
    rec.lists.add(listId);
    return true;
  }

  /**
   * @param {string} listId
   * @param {string} contactId
   * @returns {boolean} false if it was not a member
   */
  removeFromList(listId, contactId) {
    const list = this.lists.get(listId);
    const rec = this.contacts.get(contactId);
    if (!list || !rec || !list.members.has(contactId)) return false;
    list.members.delete(contactId);
    rec.lists.delete(listId);
    if (list.order.length > 64 && list.order.length > 2 * list.members.size) {
      list.order = list.order.filter((e) => list.members.get(e.id) === e.seq);
    }
    return true;
  }

  /**
   * Deletes a list and all its memberships (a person doing it in the UI).
   * @param {string} listId
   * @returns {number} memberships removed, or -1 if there is no such list
   */
  deleteList(listId) {
    const list = this.lists.get(listId);
    if (!list) return -1;
    for (const id of list.members.keys()) this.contacts.get(id)?.lists.delete(listId);
    this.lists.delete(listId);
    return list.members.size;
  }

  /**
   * One page of a list's members, in membership order ([BLOG-BOOKMARK]).
   * The bookmark is the contact_id of the last contact of the page; the next
   * page starts after it. No `bookmark` key on the last page.
   * @param {any} list
   * @param {string | undefined} bookmark
   * @returns {{contacts: object[], total_contacts: number, bookmark?: string} | null} null if the bookmark is unknown
   */
  listPage(list, bookmark) {
    let start = 0;
    if (bookmark !== undefined) {
      const seq = list.seqOf.get(bookmark);
      if (seq === undefined) return null;
      // order is sorted by seq: binary search for the first entry after it.
      let lo = 0;
      let hi = list.order.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (list.order[mid].seq <= seq) lo = mid + 1; else hi = mid;
      }
      start = lo;
    }
    const page = [];
    let more = false;
    for (let i = start; i < list.order.length; i += 1) {
      const e = list.order[i];
      if (list.members.get(e.id) !== e.seq) continue;
      if (page.length === PAGE_SIZE) { more = true; break; }
      page.push(this.contacts.get(e.id));
    }
    const out = { contacts: page.map((r) => this.readShape(r)), total_contacts: list.members.size };
    if (more) out.bookmark = page[page.length - 1].contact_id;
    return out;
  }

  /** Current members of a list, in membership order. */
  listMemberIds(list) {
    return list.order.filter((e) => list.members.get(e.id) === e.seq).map((e) => e.id);
  }
}

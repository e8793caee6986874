import { isUtf8 } from 'node:buffer';
import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Redis } from 'ioredis';
import { UsageError } from '../errors.js';
import { KEY_FAMILIES, keyFamily, keys, type KeyFamily } from './keys.js';

/**
 * `ssnews export` / `ssnews import`: every `data` key family of keys.ts (KEY_FAMILIES), dumped
 * generically by Redis type as JSON lines, so a new store is carried as soon as keys.ts marks
 * its keys as data, and nothing transient (sessions, locks, caches, pacing, counters, queues) is.
 *
 * The file (format version 1), one JSON document a line:
 *   {"format":"ssnews-backup","version":1,"createdAt":"…","prefix":"ssnews:"}
 *   {"key":"item:abc","type":"string","ttl":null,"value":"{…}"}          one line per key, sorted
 *   {"key":"model:v:v3","type":"string","ttl":null,"encoding":"base64","value":"H4sI…"}
 *   {"end":true,"keys":1234}                                              so a cut-off file is refused
 * `key` is without the prefix, so a backup can be imported under another SSNEWS_KEY_PREFIX.
 * `value` by type: string: the string; hash: {field: value}; set and list: [member…] (a set's
 * sorted); zset: [[member, score]…] (a score of ±infinity as "inf" / "-inf"). `encoding:
 * "base64"` (when any string of the key is not UTF-8, e.g. a gzipped model) applies to every
 * string of the record, hash fields included. `ttl`: milliseconds left when exported, or null.
 */
export const BACKUP_FORMAT = 'ssnews-backup';
export const BACKUP_VERSION = 1;

export interface BackupHeader {
  format: typeof BACKUP_FORMAT;
  version: number;
  createdAt: string;
  prefix: string;
}

type Score = number | 'inf' | '-inf';
export type BackupRecord = { key: string; ttl: number | null; encoding?: 'base64' } & (
  | { type: 'string'; value: string }
  | { type: 'hash'; value: Record<string, string> }
  | { type: 'set'; value: string[] }
  | { type: 'list'; value: string[] }
  | { type: 'zset'; value: [string, Score][] }
);

export interface ExportSummary {
  keys: number;
  /** Keys by family, e.g. {item: 1200, …}. */
  families: Partial<Record<KeyFamily, number>>;
  /** Keys under the prefix that keys.ts does not know: not exported (the caller warns). */
  unknown: string[];
}

export interface ImportSummary {
  keys: number;
  families: Partial<Record<KeyFamily, number>>;
  header: BackupHeader;
  /** Data keys of the target removed first (only with `replace`). */
  replaced: number;
}

const READ_BATCH = 500;
const WRITE_BATCH = 200;
const MEMBERS_PER_COMMAND = 1000;
/** Staging keys of an import that died halfway expire on their own after a day. */
const STAGING_TTL_MS = 86_400_000;

/**
 * Writes the backup of every data key under `prefix`, line by line through `write` (which may
 * wait for the output to drain). Keys are read one batch at a time, not at one instant: stop
 * the workers and the web editor for a copy that is consistent across keys.
 */
export async function exportBackup(
  redis: Redis,
  prefix: string,
  write: (line: string) => void | Promise<void>,
  now = new Date(),
): Promise<ExportSummary> {
  const header: BackupHeader = {
    format: BACKUP_FORMAT,
    version: BACKUP_VERSION,
    createdAt: now.toISOString(),
    prefix,
  };
  await write(JSON.stringify(header));
  const { data, unknown } = await scanKeys(redis, prefix);
  const names = [...data.keys()].sort();
  const families: ExportSummary['families'] = {};
  let count = 0;
  for (let i = 0; i < names.length; i += READ_BATCH) {
    for (const record of await readRecords(redis, prefix, names.slice(i, i + READ_BATCH))) {
      await write(JSON.stringify(record));
      const family = data.get(record.key)!;
      families[family] = (families[family] ?? 0) + 1;
      count++;
    }
  }
  await write(JSON.stringify({ end: true, keys: count }));
  return { keys: count, families, unknown: unknown.sort() };
}

/** Every key under the prefix: the data ones (name without prefix -> family) and the unknown ones. */
async function scanKeys(
  redis: Redis,
  prefix: string,
): Promise<{ data: Map<string, KeyFamily>; unknown: string[] }> {
  const data = new Map<string, KeyFamily>();
  const unknown = new Set<string>();
  let cursor = '0';
  do {
    const [next, found] = await redis.scan(cursor, 'MATCH', `${globEscape(prefix)}*`, 'COUNT', 1000);
    cursor = next;
    for (const full of found) {
      const key = full.slice(prefix.length);
      const family = keyFamily(key);
      if (!family) unknown.add(key);
      else if (KEY_FAMILIES[family] === 'data') data.set(key, family);
    }
  } while (cursor !== '0');
  return { data, unknown: [...unknown] };
}

function globEscape(text: string): string {
  return text.replace(/[*?[\]\\]/g, '\\$&');
}

/** One batch of keys: their types and TTLs in one round trip, then their values in another. */
async function readRecords(redis: Redis, prefix: string, names: string[]): Promise<BackupRecord[]> {
  const meta = redis.pipeline();
  for (const key of names) meta.type(prefix + key).pttl(prefix + key);
  const metaReplies = unwrap(await meta.exec());
  const typed = names.map((key, i) => ({
    key,
    type: metaReplies[2 * i] as string,
    pttl: metaReplies[2 * i + 1] as number,
  }));
  const present = typed.filter((t) => t.type !== 'none'); // removed since the scan
  const values = redis.pipeline();
  for (const { key, type } of present) {
    const full = prefix + key;
    if (type === 'string') values.getBuffer(full);
    else if (type === 'hash') values.callBuffer('HGETALL', full);
    else if (type === 'set') values.smembersBuffer(full);
    else if (type === 'list') values.lrangeBuffer(full, 0, -1);
    else if (type === 'zset') values.callBuffer('ZRANGE', full, 0, -1, 'WITHSCORES');
    else throw new Error(`cannot export ${full}: Redis type ${type} is not one ssnews stores`);
  }
  const replies = unwrap(await values.exec());
  const records: BackupRecord[] = [];
  present.forEach(({ key, type, pttl }, i) => {
    const reply = replies[i];
    if (reply === null) return; // removed between the two round trips
    const ttl = pttl > 0 ? pttl : null;
    // ioredis hands ZRANGE … WITHSCORES back as [member, score] pairs: flattened like the others.
    const buffers = type === 'string' ? [reply as Buffer] : (reply as (Buffer | Buffer[])[]).flat();
    if (buffers.length === 0) return;
    const base64 = !buffers.every((b) => isUtf8(b));
    const text = (b: Buffer) => b.toString(base64 ? 'base64' : 'utf8');
    // The record's fields in a reading order: key, type, ttl, encoding (if any), value.
    const head = <T extends BackupRecord['type']>(t: T) => ({
      key,
      type: t,
      ttl,
      ...(base64 ? { encoding: 'base64' as const } : {}),
    });
    if (type === 'string') records.push({ ...head('string'), value: text(buffers[0]!) });
    else if (type === 'hash') {
      const value: Record<string, string> = {};
      for (let j = 0; j < buffers.length; j += 2) value[text(buffers[j]!)] = text(buffers[j + 1]!);
      records.push({ ...head('hash'), value });
    } else if (type === 'set') records.push({ ...head('set'), value: buffers.map(text).sort() });
    else if (type === 'list') records.push({ ...head('list'), value: buffers.map(text) });
    else {
      const value: [string, Score][] = [];
      for (let j = 0; j < buffers.length; j += 2) value.push([text(buffers[j]!), score(buffers[j + 1]!)]);
      records.push({ ...head('zset'), value });
    }
  });
  return records;
}

function score(b: Buffer): Score {
  const s = b.toString();
  if (s === 'inf' || s === '+inf') return 'inf';
  if (s === '-inf') return '-inf';
  return Number(s);
}

function unwrap(results: [Error | null, unknown][] | null): unknown[] {
  return (results ?? []).map(([err, value]) => {
    if (err) throw err;
    return value;
  });
}

/** What the first pass over a backup file found. */
interface CheckedFile {
  header: BackupHeader;
  /** Each key (without prefix) with its family and its time to live (ms) or null. */
  keys: Map<string, { family: KeyFamily; ttl: number | null }>;
}

/**
 * Reads the whole file and refuses it (UsageError, naming the line) unless every line is
 * right: a header of a format version this ssnews reads, records of data keys with values of
 * their type, no key twice, and the closing line with the count. Nothing is written.
 */
export async function checkBackupFile(path: string): Promise<CheckedFile> {
  let header: BackupHeader | undefined;
  let ended = false;
  let lineNo = 0;
  const seen = new Map<string, { line: number; family: KeyFamily; ttl: number | null }>();
  const refuse = (why: string) => new UsageError(`${path}: line ${lineNo}: ${why}; nothing imported`);
  for await (const line of lines(path)) {
    lineNo++;
    let doc: unknown;
    try {
      doc = JSON.parse(line);
    } catch (err) {
      throw refuse(`not valid JSON (${(err as Error).message})`);
    }
    if (!isObject(doc)) throw refuse('expected a JSON object');
    if (lineNo === 1) {
      header = checkHeader(doc, path, refuse);
      continue;
    }
    if (ended) throw refuse('a line after the closing {"end":true,…} line');
    if (doc.end === true) {
      if (doc.keys !== seen.size)
        throw refuse(`the closing line counts ${String(doc.keys)} keys but the file holds ${seen.size}`);
      ended = true;
      continue;
    }
    const why = recordProblem(doc);
    if (why) throw refuse(why);
    const key = doc.key as string;
    const earlier = seen.get(key);
    if (earlier) throw refuse(`key ${JSON.stringify(key)} appears twice (first on line ${earlier.line})`);
    seen.set(key, { line: lineNo, family: keyFamily(key)!, ttl: doc.ttl as number | null });
  }
  if (!header) throw new UsageError(`${path}: empty file, not an ssnews backup; nothing imported`);
  if (!ended)
    throw new UsageError(
      `${path}: ends at line ${lineNo} without its closing {"end":true,…} line: the file is cut short; nothing imported`,
    );
  return { header, keys: new Map([...seen].map(([key, { family, ttl }]) => [key, { family, ttl }])) };
}

function checkHeader(
  doc: Record<string, unknown>,
  path: string,
  refuse: (why: string) => UsageError,
): BackupHeader {
  if (doc.format !== BACKUP_FORMAT)
    throw refuse(`not an ssnews backup (expected {"format":"${BACKUP_FORMAT}","version":…} first)`);
  if (typeof doc.version !== 'number' || !Number.isInteger(doc.version) || doc.version < 1)
    throw refuse(`"version" must be a whole number, got ${JSON.stringify(doc.version)}`);
  if (doc.version > BACKUP_VERSION)
    throw new UsageError(
      `${path} was written by a newer ssnews (backup format version ${doc.version}; this one reads version ${BACKUP_VERSION}): upgrade ssnews to import it; nothing imported`,
    );
  if (typeof doc.createdAt !== 'string') throw refuse('"createdAt" must be a string');
  if (typeof doc.prefix !== 'string') throw refuse('"prefix" must be a string');
  return doc as unknown as BackupHeader;
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** Why a line is not a record this version can restore, or undefined when it is one. */
function recordProblem(doc: Record<string, unknown>): string | undefined {
  const { key, type, ttl, value, encoding } = doc;
  if (typeof key !== 'string' || key === '') return '"key" must be a non-empty string';
  const family = keyFamily(key);
  if (!family || KEY_FAMILIES[family] !== 'data')
    return `key ${JSON.stringify(key)} is not one ssnews backs up (see KEY_FAMILIES in src/store/keys.ts)`;
  if (ttl !== null && !(typeof ttl === 'number' && Number.isInteger(ttl) && ttl > 0))
    return '"ttl" must be null or a whole number of milliseconds above 0';
  if (encoding !== undefined && encoding !== 'base64') return '"encoding" may only be "base64"';
  const isText = (v: unknown) => typeof v === 'string' && (encoding !== 'base64' || BASE64.test(v));
  const textKind = encoding === 'base64' ? 'base64 strings' : 'strings';
  switch (type) {
    case 'string':
      return isText(value) ? undefined : `a string's "value" must be a string (${textKind})`;
    case 'hash':
      return isObject(value) &&
        Object.keys(value).length > 0 &&
        Object.entries(value).every(([f, v]) => isText(f) && isText(v))
        ? undefined
        : `a hash's "value" must be a non-empty object of ${textKind}`;
    case 'set':
    case 'list':
      return Array.isArray(value) && value.length > 0 && value.every(isText)
        ? undefined
        : `a ${type}'s "value" must be a non-empty array of ${textKind}`;
    case 'zset':
      return Array.isArray(value) &&
        value.length > 0 &&
        value.every(
          (m) =>
            Array.isArray(m) &&
            m.length === 2 &&
            isText(m[0]) &&
            ((typeof m[1] === 'number' && Number.isFinite(m[1])) || m[1] === 'inf' || m[1] === '-inf'),
        )
        ? undefined
        : `a zset's "value" must be a non-empty array of [member, score] pairs`;
    default:
      return `"type" must be string, hash, set, list or zset, got ${JSON.stringify(type)}`;
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function lines(path: string): AsyncIterable<string> {
  return createInterface({ input: createReadStream(path, 'utf8'), crlfDelay: Infinity });
}

/**
 * Imports a backup file under `prefix`, all or nothing.
 *
 * The choice, so a big import never leaves the target half-written:
 * 1. the whole file is checked first (checkBackupFile): a bad file changes nothing;
 * 2. a target that already holds data is refused unless `replace` (exit 2): an import never
 *    merges two stores by accident;
 * 3. the records are written under a staging prefix (`import-staging:RUN:`, expiring after a
 *    day), in pipelined batches: an import that dies here leaves the target as it was;
 * 4. one Lua script (swapScript) checks every staged key is there, deletes the target's data
 *    keys (with `replace`) and RENAMEs every staged key into place: RENAME is O(1), so even a
 *    large store changes in one step, and no reader sees a mixture. (MULTI/EXEC over the writes
 *    themselves could not be all or nothing: it would be chunked, and each chunk lands on its own.)
 * Renaming needs every key on one node: a plain or Sentinel Redis, not a Redis Cluster.
 * Stop the workers and the web editor while importing: a key they write between the check and
 * the swap would be overwritten or left beside the imported data.
 */
export async function importBackup(
  redis: Redis,
  prefix: string,
  path: string,
  options: { replace?: boolean } = {},
): Promise<ImportSummary> {
  const checked = await checkBackupFile(path);
  const existing = await targetData(redis, prefix, options.replace);
  const k = keys(prefix);
  const staging = k.importStaging(`${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`);
  try {
    await stage(redis, staging, path);
    // Checked again: something may have written to the target while the records were staged.
    const now = await targetData(redis, prefix, options.replace);
    const records = [...checked.keys];
    const swapped = await swapScript(redis, {
      remove: [...new Set([...existing, ...now])]
        .filter((key) => !checked.keys.has(key))
        .map((key) => prefix + key),
      staged: records.map(([key]) => staging + key),
      targets: records.map(([key]) => prefix + key),
      ttls: records.map(([, { ttl }]) => ttl ?? 0),
    });
    if (swapped < 0)
      throw new Error(
        `the staged copy lost ${-swapped} keys before it could be renamed into place; nothing imported`,
      );
    const families: ImportSummary['families'] = {};
    for (const { family } of checked.keys.values()) families[family] = (families[family] ?? 0) + 1;
    // Running workers pick up the imported classifier model as they do a retrained one.
    const model = await redis.get(k.modelCurrent);
    if (model) await redis.publish(k.modelChannel, model);
    return { keys: checked.keys.size, families, header: checked.header, replaced: existing.length };
  } catch (err) {
    await removeStaging(redis, staging).catch(() => undefined);
    throw err;
  }
}

/**
 * The swap, one script so it is one step (scripts run whole, like MULTI/EXEC, and one command
 * saves building hundreds of thousands of queued ones): first checks that every staged key is
 * still there, changing nothing (and returning minus the number missing) if not; then removes
 * the keys to go, renames each staged key into place and gives it its own expiry or none.
 */
const SWAP_LUA = `
local nRemove, n = tonumber(ARGV[1]), tonumber(ARGV[2])
local missing = 0
for i = 1, n do
  if redis.call('EXISTS', KEYS[nRemove + i]) == 0 then missing = missing + 1 end
end
if missing > 0 then return -missing end
for i = 1, nRemove do redis.call('UNLINK', KEYS[i]) end
for i = 1, n do
  local to = KEYS[nRemove + n + i]
  redis.call('RENAME', KEYS[nRemove + i], to)
  local ttl = tonumber(ARGV[2 + i])
  if ttl > 0 then redis.call('PEXPIRE', to, ttl) else redis.call('PERSIST', to) end
end
return n
`;

/** Runs SWAP_LUA; EVAL with one array, as the key list can be far longer than a call's arguments may be. */
async function swapScript(
  redis: Redis,
  o: { remove: string[]; staged: string[]; targets: string[]; ttls: number[] },
): Promise<number> {
  const keyList = [...o.remove, ...o.staged, ...o.targets];
  const args = [SWAP_LUA, keyList.length, ...keyList, o.remove.length, o.staged.length, ...o.ttls];
  return (await redis.call('EVAL', args)) as number;
}

/** The target's data keys; refused (UsageError) when there are some and `replace` is not given. */
async function targetData(redis: Redis, prefix: string, replace = false): Promise<string[]> {
  const { data } = await scanKeys(redis, prefix);
  if (data.size > 0 && !replace) {
    const some = [...data.keys()].sort().slice(0, 3).join(', ');
    throw new UsageError(
      `the target (prefix ${prefix}) already holds ${data.size} data key${data.size === 1 ? '' : 's'} (${some}${data.size > 3 ? ', …' : ''}): import into an empty Redis or prefix, or pass --replace to replace them; nothing imported`,
    );
  }
  return [...data.keys()];
}

/** Second pass over the checked file: every record written under the staging prefix. */
async function stage(redis: Redis, staging: string, path: string): Promise<void> {
  let batch = redis.pipeline();
  let inBatch = 0;
  let lineNo = 0;
  for await (const line of lines(path)) {
    if (++lineNo === 1) continue;
    const doc = JSON.parse(line) as BackupRecord | { end: true };
    if ('end' in doc) break;
    writeRecord(batch, staging + doc.key, doc);
    if (++inBatch === WRITE_BATCH) {
      await execAll(batch);
      batch = redis.pipeline();
      inBatch = 0;
    }
  }
  await execAll(batch);
}

type Batch = ReturnType<Redis['pipeline']>;

function writeRecord(batch: Batch, key: string, r: BackupRecord): void {
  const bytes = (s: string) => Buffer.from(s, r.encoding === 'base64' ? 'base64' : 'utf8');
  // Staged keys expire (a string at once, others after their members); the swap gives each its
  // own expiry, or none, as it renames it into place.
  if (r.type === 'string') return void batch.set(key, bytes(r.value), 'PX', STAGING_TTL_MS);
  if (r.type === 'hash') {
    const pairs = Object.entries(r.value).flatMap(([f, v]) => [bytes(f), bytes(v)]);
    for (const part of chunks(pairs, 2 * MEMBERS_PER_COMMAND)) batch.hset(key, ...part);
  } else if (r.type === 'set')
    for (const part of chunks(r.value.map(bytes), MEMBERS_PER_COMMAND)) batch.sadd(key, ...part);
  else if (r.type === 'list')
    for (const part of chunks(r.value.map(bytes), MEMBERS_PER_COMMAND)) batch.rpush(key, ...part);
  else {
    const args = r.value.flatMap(([member, s]) => [String(s), bytes(member)]);
    for (const part of chunks(args, 2 * MEMBERS_PER_COMMAND)) batch.call('ZADD', key, ...part);
  }
  batch.pexpire(key, STAGING_TTL_MS);
}

function chunks<T>(list: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < list.length; i += size) out.push(list.slice(i, i + size));
  return out;
}

async function execAll(batch: Batch): Promise<void> {
  unwrap(await batch.exec());
}

async function removeStaging(redis: Redis, staging: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, found] = await redis.scan(cursor, 'MATCH', `${globEscape(staging)}*`, 'COUNT', 1000);
    cursor = next;
    if (found.length) await redis.unlink(...found);
  } while (cursor !== '0');
}

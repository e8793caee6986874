import { randomBytes, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import type { Redis } from 'ioredis';
import { KeyedStore } from './keys.js';
import { luaScript } from './lua.js';

/** An editor of the web editor, as shown to people and programs: never with its password hash. */
export interface EditorAccount {
  /** Lower-cased; the account's key. */
  email: string;
  /** Empty when none was given. */
  name: string;
  admin: boolean;
  /** ISO time the account was added. */
  createdAt: string;
}

interface StoredAccount extends EditorAccount {
  /** `scrypt$N$r$p$salt$hash` (salt and hash base64url). */
  passwordHash: string;
}

export const MIN_PASSWORD_LENGTH = 12;
/** Bounds the work one password costs; no one types more. */
export const MAX_PASSWORD_LENGTH = 1024;

/** Why an account operation was refused; the CLI maps each to exit 2. */
export class AccountError extends Error {
  override name = 'AccountError';
  constructor(
    readonly reason: 'invalid' | 'duplicate' | 'unknown',
    message: string,
  ) {
    super(message);
  }
}

/** scrypt cost: N=2^15, r=8 takes 32 MiB and tens of ms. Stored with each hash, so it can be raised later. */
export interface ScryptParams {
  N: number;
  r: number;
  p: number;
}
export const DEFAULT_SCRYPT: ScryptParams = { N: 2 ** 15, r: 8, p: 1 };
const KEY_LENGTH = 32;

function scrypt(password: string, salt: Buffer, { N, r, p }: ScryptParams): Promise<Buffer> {
  // scrypt needs 128·N·r bytes; Node's default cap (32 MiB) is just below that for N=2^15, r=8.
  const options: ScryptOptions = { N, r, p, maxmem: 256 * N * r };
  return new Promise((resolve, reject) =>
    scryptCb(password.normalize('NFC'), salt, KEY_LENGTH, options, (err, key) =>
      err ? reject(err) : resolve(key),
    ),
  );
}

/** Hashes a password with a fresh 16-byte salt as `scrypt$N$r$p$salt$hash`. */
export async function hashPassword(password: string, params: ScryptParams = DEFAULT_SCRYPT): Promise<string> {
  const salt = randomBytes(16);
  const hash = await scrypt(password, salt, params);
  return [
    'scrypt',
    params.N,
    params.r,
    params.p,
    salt.toString('base64url'),
    hash.toString('base64url'),
  ].join('$');
}

interface ParsedHash {
  params: ScryptParams;
  salt: Buffer;
  hash: Buffer;
}

/** Reads a stored hash; undefined if it is not one this code wrote (its parameters are bounded so a bad value cannot cost gigabytes). */
export function parsePasswordHash(stored: string): ParsedHash | undefined {
  const m = /^scrypt\$(\d+)\$(\d+)\$(\d+)\$([\w-]+)\$([\w-]+)$/.exec(stored);
  if (!m) return undefined;
  const [N, r, p] = [m[1], m[2], m[3]].map(Number) as [number, number, number];
  const powerOfTwo = N > 1 && (N & (N - 1)) === 0;
  if (!powerOfTwo || N > 2 ** 20 || r < 1 || r > 32 || p < 1 || p > 16) return undefined;
  const hash = Buffer.from(m[5]!, 'base64url');
  if (hash.length < 16) return undefined;
  return { params: { N, r, p }, salt: Buffer.from(m[4]!, 'base64url'), hash };
}

/** Whether `password` matches a stored hash, compared in constant time. */
export async function checkPassword(password: string, stored: string): Promise<boolean> {
  const parsed = parsePasswordHash(stored);
  if (!parsed) return false;
  const actual = await scrypt(password, parsed.salt, parsed.params);
  return actual.length === parsed.hash.length && timingSafeEqual(actual, parsed.hash);
}

const EMAIL = /^[^\s@<>()[\]\\,;:"]+@[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)+$/;

/** The account key for an email: trimmed and lower-cased; throws if it does not look like an address. */
export function normaliseEmail(email: string): string {
  const e = email.trim().toLowerCase();
  if (e.length > 254 || !EMAIL.test(e)) throw new AccountError('invalid', `not an email address: "${email}"`);
  return e;
}

function checkName(name: string): string {
  const n = name.trim();
  // eslint-disable-next-line no-control-regex
  if (n.length > 100 || /[\u0000-\u001f\u007f]/.test(n))
    throw new AccountError('invalid', 'a name is at most 100 characters, with no control characters');
  return n;
}

/** Throws unless the password is long enough (counted in characters, not bytes) and not absurdly long. */
export function checkPasswordStrength(password: string): void {
  const length = [...password].length;
  if (length < MIN_PASSWORD_LENGTH)
    throw new AccountError('invalid', `a password needs at least ${MIN_PASSWORD_LENGTH} characters`);
  if (length > MAX_PASSWORD_LENGTH)
    throw new AccountError('invalid', `a password has at most ${MAX_PASSWORD_LENGTH} characters`);
}

function publicView({ email, name, admin, createdAt }: StoredAccount): EditorAccount {
  return { email, name, admin, createdAt };
}

/** Replaces one account's password hash inside Redis, so a concurrent remove is never undone. Returns 1 if the account exists. */
const replaceHash = luaScript<{ editors: string; email: string; passwordHash: string }, number>(
  'ssnewsEditorPassword',
  `
local raw = redis.call('HGET', KEYS[1], ARGV[1])
if not raw then return 0 end
local account = cjson.decode(raw)
account.passwordHash = ARGV[2]
redis.call('HSET', KEYS[1], ARGV[1], cjson.encode(account))
return 1
`,
  (o) => ({ keys: [o.editors], args: [o.email, o.passwordHash] }),
);

export interface NewEditor {
  email: string;
  name?: string;
  admin?: boolean;
  password: string;
}

/**
 * Editor accounts: one Redis hash, email -> account JSON. Few accounts, so one hash keeps
 * listing to one read and adding atomic (HSETNX refuses a duplicate).
 */
export class EditorStore extends KeyedStore {
  /** What verify() checks an unknown email's password against: current parameters, random salt and hash, so it costs what a real check costs and never matches. */
  private readonly dummyHash: string;

  constructor(
    redis: Redis,
    prefix: string,
    private readonly scryptParams: ScryptParams = DEFAULT_SCRYPT,
  ) {
    super(redis, prefix);
    const { N, r, p } = scryptParams;
    const random = (n: number) => randomBytes(n).toString('base64url');
    this.dummyHash = ['scrypt', N, r, p, random(16), random(KEY_LENGTH)].join('$');
  }

  async add(input: NewEditor): Promise<EditorAccount> {
    const email = normaliseEmail(input.email);
    const name = checkName(input.name ?? '');
    checkPasswordStrength(input.password);
    const account: StoredAccount = {
      email,
      name,
      admin: input.admin ?? false,
      createdAt: new Date().toISOString(),
      passwordHash: await hashPassword(input.password, this.scryptParams),
    };
    const added = await this.redis.hsetnx(this.k.editors, email, JSON.stringify(account));
    if (!added) throw new AccountError('duplicate', `an editor with email ${email} already exists`);
    return publicView(account);
  }

  async get(email: string): Promise<EditorAccount | undefined> {
    const stored = await this.stored(email);
    return stored && publicView(stored);
  }

  /** Every account, by email. */
  async list(): Promise<EditorAccount[]> {
    const all = await this.redis.hvals(this.k.editors);
    return all
      .map((j) => publicView(JSON.parse(j) as StoredAccount))
      .sort((a, b) => a.email.localeCompare(b.email));
  }

  /** Removes the account; false if there was none. Its sessions are the caller's to end (SessionStore.destroyAllFor). */
  async remove(email: string): Promise<boolean> {
    return (await this.redis.hdel(this.k.editors, normaliseEmail(email))) === 1;
  }

  /** Sets a new password; throws AccountError 'unknown' if there is no such account. */
  async setPassword(email: string, password: string): Promise<void> {
    const key = normaliseEmail(email);
    checkPasswordStrength(password);
    const passwordHash = await hashPassword(password, this.scryptParams);
    const found = await replaceHash(this.redis, { editors: this.k.editors, email: key, passwordHash });
    if (!found) throw new AccountError('unknown', `no editor with email ${key}`);
  }

  /**
   * The account if the password is right, else undefined. An unknown (or malformed) email
   * costs one scrypt against a dummy hash, as a known one does, so timing does not tell
   * which addresses have accounts.
   */
  async verify(email: string, password: string): Promise<EditorAccount | undefined> {
    let key: string | undefined;
    try {
      key = normaliseEmail(email);
    } catch {
      key = undefined;
    }
    const stored = key === undefined ? undefined : await this.stored(key);
    const tooLong = [...password].length > MAX_PASSWORD_LENGTH;
    const hash = stored?.passwordHash ?? this.dummyHash;
    const ok = await checkPassword(tooLong ? '' : password, hash);
    return stored && ok && !tooLong ? publicView(stored) : undefined;
  }

  private async stored(email: string): Promise<StoredAccount | undefined> {
    const raw = await this.redis.hget(this.k.editors, normaliseEmail(email));
    return raw ? (JSON.parse(raw) as StoredAccount) : undefined;
  }
}

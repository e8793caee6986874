import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import { isIP } from 'node:net';
import { Readable, type Transform } from 'node:stream';
import { Agent, request, type Dispatcher } from 'undici';
import { guardedLookup, isPublicAddress, type AddressPolicy } from './address-guard.js';
import { decodeBody } from './charset.js';
import { FetchError } from './errors.js';

export interface FetchOptions {
  userAgent: string;
  /** Whole request, headers and body (default 20 s). */
  timeoutMs?: number;
  /** Largest body we read, after decompression (default 10 MiB). */
  maxBytes?: number;
  maxRedirects?: number;
  /** Loopback/private targets are refused unless the source is explicitly allowed. */
  allowPrivateNetwork?: boolean;
  /**
   * Tests only: which addresses count as allowed, in place of "public ones", so the per-hop
   * check can be exercised on loopback (allow 127.0.0.1, then redirect to 127.0.0.2).
   */
  addressPolicy?: AddressPolicy;
  /** Validators from the previous fetch, for a conditional GET. */
  etag?: string;
  lastModified?: string;
  accept?: string;
  /** Called before following each redirect; throw to refuse it (e.g. robots.txt says no). */
  beforeRedirect?: (to: string) => Promise<void>;
}

export interface FetchResult {
  status: number;
  /** URL after redirects. */
  url: string;
  notModified: boolean;
  /** Set when every redirect on the way was permanent (301/308): the config should say this URL. */
  permanentRedirect?: string;
  contentType?: string;
  etag?: string;
  lastModified?: string;
  text: string;
}

export const DEFAULT_TIMEOUT_MS = 20_000;
export const DEFAULT_MAX_BYTES = 10 * 1024 * 1024;
const DEFAULT_ACCEPT =
  'application/rss+xml, application/atom+xml, application/xml;q=0.9, text/xml;q=0.9, text/html;q=0.8, */*;q=0.5';

// One agent each, shared process-wide: keep-alive pools per origin.
const publicAgent = new Agent({ connect: { lookup: guardedLookup() as never }, keepAliveTimeout: 10_000 });
const anyAgent = new Agent({ keepAliveTimeout: 10_000 });

/** GET a URL politely and defensively; throws FetchError with a precise reason. */
export async function fetchUrl(url: string, options: FetchOptions): Promise<FetchResult> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const maxRedirects = options.maxRedirects ?? 5;
  const signal = AbortSignal.timeout(timeoutMs);
  const policy = options.addressPolicy ?? isPublicAddress;
  const dispatcher = options.allowPrivateNetwork
    ? anyAgent
    : options.addressPolicy
      ? new Agent({ connect: { lookup: guardedLookup(options.addressPolicy) as never } })
      : publicAgent;

  let current = url;
  let allPermanent = true;
  for (let hop = 0; ; hop++) {
    const target = new URL(current);
    if (target.protocol !== 'http:' && target.protocol !== 'https:') {
      throw new FetchError('blocked-address', `refusing ${target.protocol} URL ${current}`, {
        permanent: true,
      });
    }
    if (!options.allowPrivateNetwork) assertAllowedLiteral(target, policy);
    const res = await send(current, options, dispatcher, signal, timeoutMs);
    const location = res.headers['location'];
    if (
      res.statusCode >= 300 &&
      res.statusCode < 400 &&
      res.statusCode !== 304 &&
      typeof location === 'string'
    ) {
      res.body.resume();
      if (hop >= maxRedirects)
        throw new FetchError(
          'too-many-redirects',
          `more than ${maxRedirects} redirects, last to ${location}`,
        );
      if (res.statusCode !== 301 && res.statusCode !== 308) allPermanent = false;
      current = new URL(location, current).href;
      await options.beforeRedirect?.(current);
      continue;
    }
    const base = {
      status: res.statusCode,
      url: current,
      permanentRedirect: current !== url && allPermanent ? current : undefined,
      contentType: header(res.headers['content-type']),
      etag: header(res.headers['etag']),
      lastModified: header(res.headers['last-modified']),
    };
    if (res.statusCode === 304) {
      res.body.resume();
      return { ...base, notModified: true, text: '' };
    }
    if (res.statusCode < 200 || res.statusCode >= 300) {
      res.body.resume();
      throw httpError(res.statusCode, res.headers['retry-after']);
    }
    const bytes = await readBody(res, options.maxBytes ?? DEFAULT_MAX_BYTES, timeoutMs);
    return { ...base, notModified: false, text: decodeBody(bytes, base.contentType).text };
  }
}

async function send(
  url: string,
  options: FetchOptions,
  dispatcher: Dispatcher,
  signal: AbortSignal,
  timeoutMs: number,
) {
  const headers: Record<string, string> = {
    'user-agent': options.userAgent,
    accept: options.accept ?? DEFAULT_ACCEPT,
    'accept-encoding': 'gzip, deflate, br',
  };
  if (options.etag) headers['if-none-match'] = options.etag;
  if (options.lastModified) headers['if-modified-since'] = options.lastModified;
  try {
    return await request(url, {
      method: 'GET',
      headers,
      dispatcher,
      signal,
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
    });
  } catch (err) {
    throw toFetchError(err, timeoutMs);
  }
}

async function readBody(res: Dispatcher.ResponseData, maxBytes: number, timeoutMs: number): Promise<Buffer> {
  const encoding = header(res.headers['content-encoding'])?.toLowerCase();
  const declared = Number(header(res.headers['content-length']));
  if (!encoding && declared > maxBytes) {
    res.body.destroy();
    throw new FetchError('too-large', `body is ${declared} bytes, over the ${maxBytes}-byte limit`);
  }
  const decoder = DECOMPRESSORS.get(encoding)?.();
  const stream: Readable = decoder ? res.body.pipe(decoder) : res.body;
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    for await (const chunk of stream) {
      total += (chunk as Buffer).length;
      if (total > maxBytes) {
        res.body.destroy();
        throw new FetchError('too-large', `body exceeds the ${maxBytes}-byte limit`);
      }
      chunks.push(chunk as Buffer);
    }
  } catch (err) {
    throw toFetchError(err, timeoutMs);
  }
  return Buffer.concat(chunks);
}

/** Content-Encodings we decode; others are read as they come. */
const DECOMPRESSORS = new Map<string | undefined, () => Transform>([
  ['gzip', createGunzip],
  ['x-gzip', createGunzip],
  ['deflate', createInflate],
  ['br', createBrotliDecompress],
]);

function assertAllowedLiteral(target: URL, policy: AddressPolicy): void {
  const host = target.hostname.replace(/^\[|\]$/g, '');
  if (host === 'localhost' || host.endsWith('.localhost')) {
    throw new FetchError('blocked-address', `${target.host} is a loopback name, not a public address`, {
      permanent: true,
    });
  }
  if (isIP(host) && !policy(host)) {
    throw new FetchError('blocked-address', `${host} is not a public address`, { permanent: true });
  }
}

function httpError(status: number, retryAfter: string | string[] | undefined): FetchError {
  const retryAfterMs = parseRetryAfter(header(retryAfter));
  const permanent = status === 404 || status === 410;
  const hint = retryAfterMs !== undefined ? ` (retry after ${Math.round(retryAfterMs / 1000)} s)` : '';
  return new FetchError('http-status', `HTTP ${status}${hint}`, { status, retryAfterMs, permanent });
}

/** Retry-After is either seconds or an HTTP date. */
export function parseRetryAfter(value: string | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

function toFetchError(err: unknown, timeoutMs: number): FetchError {
  if (err instanceof FetchError) return err;
  const e = err as { name?: string; code?: string; message?: string; cause?: unknown };
  if (e.cause instanceof FetchError) return e.cause;
  if (
    e.name === 'TimeoutError' ||
    e.code === 'UND_ERR_HEADERS_TIMEOUT' ||
    e.code === 'UND_ERR_BODY_TIMEOUT'
  ) {
    return new FetchError('timeout', `no complete response within ${timeoutMs / 1000} s`);
  }
  return new FetchError('network', describeNetworkError(e));
}

const DNS_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL', 'EAI_NONAME', 'ENODATA']);
const TIMEOUT_CODES = new Set(['ETIMEDOUT', 'UND_ERR_CONNECT_TIMEOUT', 'ESOCKETTIMEDOUT']);

/**
 * What went wrong on the wire, in words an administrator acts on: the connection was refused,
 * the name did not resolve, the connection timed out, TLS failed; the system's code stays in
 * brackets for searching. Anything else is its code and message as they came.
 */
export function describeNetworkError(e: {
  code?: string;
  message?: string;
  address?: string;
  port?: number;
  hostname?: string;
}): string {
  const code = e.code ?? '';
  const message = e.message ?? String(e);
  const where = e.address ? ` by ${e.address}${e.port ? `:${e.port}` : ''}` : '';
  if (code === 'ECONNREFUSED') return `connection refused${where} (ECONNREFUSED)`;
  if (code === 'ECONNRESET') return `connection reset by the server (ECONNRESET)`;
  if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH') return `no route to the host${where} (${code})`;
  if (DNS_CODES.has(code)) {
    const host = e.hostname ?? message.split(' ').at(-1);
    const temporary = code === 'EAI_AGAIN' ? ' (the DNS server did not answer)' : '';
    return `DNS lookup failed${host ? ` for ${host}` : ''}${temporary} (${code})`;
  }
  if (TIMEOUT_CODES.has(code)) return `connection timed out${where} (${code})`;
  if (isTlsError(code, message)) return `TLS failed: ${message}${code ? ` (${code})` : ''}`;
  return `${code ? code + ': ' : ''}${message}`;
}

function isTlsError(code: string, message: string): boolean {
  return (
    code.startsWith('ERR_TLS_') ||
    code.startsWith('ERR_SSL_') ||
    code.includes('CERT') ||
    code === 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' ||
    code === 'EPROTO' ||
    /\b(ssl|tls)\b/i.test(message)
  );
}

function header(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

import type { HostStore, PaceOptions } from '../store/hosts.js';
import { FetchError } from './errors.js';
import { fetchUrl, type FetchOptions, type FetchResult } from './fetcher.js';
import { assertRobotsAllow, readRobots, type RobotsFile } from './robots.js';

const ROBOTS_TTL_MS = 24 * 3_600_000;
const ROBOTS_RETRY_MS = 10 * 60_000;

/** The host asked us (Retry-After) to stay away for longer than a worker should wait. */
export class HostPaused extends Error {
  override name = 'HostPaused';
  constructor(
    readonly host: string,
    readonly retryInMs: number,
  ) {
    super(`${host} asked us to wait ${Math.round(retryInMs / 1000)} s`);
  }
}

export interface PoliteOptions extends Omit<FetchOptions, 'userAgent'> {
  /** Check robots.txt first (page sources and article pages). */
  robots?: boolean;
}

/**
 * The HTTP edge of ingest: every request goes through here so it is paced per host across
 * processes (HostStore), checks robots.txt when asked, and spreads a host's Retry-After.
 * Without a HostStore (`sources check`, which stores nothing and runs once) requests are
 * neither paced nor robots.txt cached, but robots.txt is still honoured.
 */
export class PoliteClient {
  constructor(
    private readonly hosts: HostStore | undefined,
    private readonly userAgent: string,
    private readonly pace: PaceOptions,
    private readonly defaults: Pick<FetchOptions, 'timeoutMs' | 'maxBytes'> = {},
  ) {}

  async fetch(url: string, options: PoliteOptions = {}): Promise<FetchResult> {
    const { robots, ...rest } = options;
    let pace = this.pace;
    if (robots) {
      const verdict = await this.robotsCheck(url, rest.allowPrivateNetwork);
      if (verdict.crawlDelayMs && verdict.crawlDelayMs > pace.minGapMs)
        pace = { ...pace, minGapMs: verdict.crawlDelayMs };
    }
    // A redirect lands on a URL robots.txt has not been asked about yet: ask before following.
    const beforeRedirect = robots
      ? async (to: string) => void (await this.robotsCheck(to, rest.allowPrivateNetwork))
      : undefined;
    return this.paced(url, { ...this.defaults, ...rest, userAgent: this.userAgent, beforeRedirect }, pace);
  }

  /** Throws robots-disallowed unless robots.txt lets us fetch `url`. */
  private async robotsCheck(url: string, allowPrivateNetwork?: boolean) {
    return assertRobotsAllow(await this.robotsFor(url, allowPrivateNetwork), url);
  }

  /**
   * One request under the per-host pace. Every redirect hop is a request of its own: it gives
   * back the slot it holds, then waits for its target host's slot and gap like a first request
   * (same host or not), so redirects cannot be used to hammer a site; a 429/503 pauses the
   * host that sent it.
   */
  private async paced(url: string, options: FetchOptions, pace: PaceOptions): Promise<FetchResult> {
    let host = new URL(url).host;
    let release = await this.slot(host, pace);
    const beforeRedirect = async (to: string) => {
      // Given back first: robots.txt for the target, or the target itself, may need this host's slot.
      const previous = release;
      release = async () => {};
      await previous();
      await options.beforeRedirect?.(to);
      host = new URL(to).host;
      release = await this.slot(host, pace);
    };
    try {
      return await fetchUrl(url, { ...options, beforeRedirect });
    } catch (err) {
      if (
        err instanceof FetchError &&
        err.details.retryAfterMs &&
        (err.details.status === 429 || err.details.status === 503)
      ) {
        await this.hosts?.pause(host, err.details.retryAfterMs);
      }
      throw err;
    } finally {
      await release();
    }
  }

  private async slot(host: string, pace: PaceOptions): Promise<() => Promise<void>> {
    if (!this.hosts) return async () => {};
    const slot = await this.hosts.acquire(host, pace);
    if (typeof slot !== 'function') throw new HostPaused(host, slot.retryInMs);
    return slot;
  }

  /** robots.txt for the URL's origin, from the shared cache or fetched (and cached) now. */
  private async robotsFor(url: string, allowPrivateNetwork?: boolean): Promise<RobotsFile> {
    const origin = new URL(url).origin;
    const cached = await this.hosts?.getRobots(origin);
    if (cached) return cached;
    const value = await readRobots(origin, (u, o) =>
      this.paced(u, { ...this.defaults, userAgent: this.userAgent, allowPrivateNetwork, ...o }, this.pace),
    );
    const ok = value.status >= 200 && value.status < 500;
    await this.hosts?.setRobots(origin, value, ok ? ROBOTS_TTL_MS : ROBOTS_RETRY_MS);
    return value;
  }
}

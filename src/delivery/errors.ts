import type { Finding } from '../digest/pre-send-checks.js';

/** A send refused while blocking pre-send checks stand; the CLI lists them and exits 1. */
export class SendRefused extends Error {
  override name = 'SendRefused';
  constructor(
    readonly week: string,
    readonly blocking: Finding[],
  ) {
    super(
      `issue ${week} cannot be sent while ${blocking.length} blocking check(s) stand:\n${blocking
        .map((f) => `  ${f.code}: ${f.message}`)
        .join('\n')}`,
    );
  }
}

/** Another job run holds the recipient (a stalled job's twin): try again once its lease lapses. */
export class RecipientBusy extends Error {
  override name = 'RecipientBusy';
  constructor(readonly waitMs: number) {
    super(`another run is sending to this recipient; retry in ${waitMs} ms`);
  }
}

/** The hourly quota (newsletter.send.perHour) is used up: wait for the next clock hour. */
export class HourlyLimitReached extends Error {
  override name = 'HourlyLimitReached';
  constructor(readonly waitMs: number) {
    super(`the hourly sending limit is reached; next hour in ${Math.ceil(waitMs / 1000)} s`);
  }
}

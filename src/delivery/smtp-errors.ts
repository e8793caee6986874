/**
 * What a failed hand-over means for the recipient. A 5xx answer is final (the address or the
 * message was refused: recorded failed, counted towards `bouncing`); a 4xx answer, or no answer
 * at all (connection refused, dropped, timed out), is worth another try later.
 */
export type SmtpVerdict = {
  kind: 'permanent' | 'transient';
  reply: string;
  /** The server's reply code, when it answered at all. */
  code?: number;
};

export function smtpVerdict(err: unknown): SmtpVerdict {
  const e = err as { responseCode?: number; response?: string; code?: string; message?: string };
  const reply = (e.response ?? e.message ?? String(err)).replace(/\s+/g, ' ').trim().slice(0, 500);
  if (typeof e.responseCode === 'number' && e.responseCode >= 500 && e.responseCode < 600)
    return { kind: 'permanent', reply, code: e.responseCode };
  if (typeof e.responseCode === 'number') return { kind: 'transient', reply, code: e.responseCode };
  return { kind: 'transient', reply: `${e.code ?? 'error'}: ${reply}` };
}

/** The run lost its claim on the recipient before the message was handed over: nothing was sent. */
export class LeaseLostError extends Error {
  override name = 'LeaseLostError';
  constructor(week: string, subscriberId: string) {
    super(
      `lost the claim on ${subscriberId} for ${week} before handing the message over; another run has it`,
    );
  }
}

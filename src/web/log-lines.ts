/**
 * Readable log lines for a person at a terminal, from pino's JSON lines: `ssnews serve` writes
 * through this when settings say `logFormat: 'pretty'` (stderr is a TTY, or LOG_FORMAT=pretty).
 * Elsewhere (a file, a pipe, a log collector) the JSON lines go out unchanged.
 */

const LEVELS: Record<number, string> = {
  10: 'TRACE',
  20: 'DEBUG',
  30: 'INFO',
  40: 'WARN',
  50: 'ERROR',
  60: 'FATAL',
};

/** Keys every line has, or that the line's head already shows. */
const SHOWN = new Set(['level', 'time', 'pid', 'hostname', 'msg', 'v', 'req', 'res', 'responseTime', 'err']);

/** Where lines go: stderr, or a test's collector. */
export interface LineSink {
  write(text: string): unknown;
}

/** One pino record as a line: `20:15:03.120 INFO  request completed  GET /issues → 200 in 3.2 ms  reqId=req-1`. */
export function formatLogRecord(record: Record<string, unknown>): string {
  const time = typeof record.time === 'number' ? new Date(record.time) : new Date();
  const clock = [time.getHours(), time.getMinutes(), time.getSeconds()]
    .map((n) => String(n).padStart(2, '0'))
    .join(':');
  const level = (LEVELS[record.level as number] ?? String(record.level ?? '')).padEnd(5);
  const parts = [
    `${clock}.${String(time.getMilliseconds()).padStart(3, '0')} ${level} ${record.msg === undefined ? '' : String(record.msg)}`.trimEnd(),
  ];
  const req = record.req as { method?: string; url?: string } | undefined;
  const res = record.res as { statusCode?: number } | undefined;
  const request = [
    req?.method && req.url ? `${req.method} ${req.url}` : '',
    res?.statusCode !== undefined ? `→ ${res.statusCode}` : '',
    typeof record.responseTime === 'number' ? `in ${record.responseTime.toFixed(1)} ms` : '',
  ]
    .filter(Boolean)
    .join(' ');
  if (request) parts.push(request);
  const rest = Object.entries(record)
    .filter(([k, v]) => !SHOWN.has(k) && v !== undefined)
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`);
  if (rest.length) parts.push(rest.join(' '));
  let line = parts.join('  ');
  const err = record.err as { stack?: string; message?: string } | undefined;
  if (err) line += `\n    ${(err.stack ?? err.message ?? JSON.stringify(err)).split('\n').join('\n    ')}`;
  return line;
}

/** A pino destination that writes each JSON line it is given as a readable line to `sink`. */
export function readableLogLines(sink: LineSink): LineSink {
  return {
    write(chunk: string) {
      for (const text of chunk.split('\n')) {
        if (!text) continue;
        let record: unknown;
        try {
          record = JSON.parse(text);
        } catch {
          record = undefined;
        }
        sink.write(
          record && typeof record === 'object'
            ? `${formatLogRecord(record as Record<string, unknown>)}\n`
            : `${text}\n`,
        );
      }
      return true;
    },
  };
}

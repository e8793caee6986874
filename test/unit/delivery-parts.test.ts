import { describe, expect, it } from 'vitest';
import { CsvError, parseCsv, toCsv } from '../../src/delivery/csv.js';
import { hasContentFor } from '../../src/delivery/message.js';
import { smtpVerdict } from '../../src/delivery/smtp-errors.js';
import { preheaderOf } from '../../src/digest/preheader.js';
import type { CompiledIssue } from '../../src/digest/render.js';

describe('the CSV reader', () => {
  it('reads quoted fields, doubled quotes, CRLF and LF, and names the line each record starts on', () => {
    const text = '\ufeffemail,name\r\na@x.org,"Smith, Jo"\n"b@x.org","Say ""hi""\nthere"\n\nc@x.org,\n';
    expect(parseCsv(text)).toEqual([
      { line: 1, fields: ['email', 'name'] },
      { line: 2, fields: ['a@x.org', 'Smith, Jo'] },
      { line: 3, fields: ['b@x.org', 'Say "hi"\nthere'] },
      { line: 6, fields: ['c@x.org', ''] },
    ]);
  });

  it('refuses broken quoting with the line', () => {
    expect(() => parseCsv('email\na@x.org\n"b@x.org\n')).toThrow(
      new CsvError(3, 'a quoted field is not closed'),
    );
    expect(() => parseCsv('email\nab"c@x.org\n')).toThrow(/line 2: a quote inside an unquoted field/);
    expect(() => parseCsv('email\n"a@x.org"x\n')).toThrow(/line 2: text after a closing quote/);
  });

  it('writes what it reads back', () => {
    const rows = [
      ['email', 'name'],
      ['a@x.org', 'Smith, "Jo"\nJr'],
    ];
    expect(parseCsv(toCsv(rows)).map((r) => r.fields)).toEqual(rows);
  });
});

describe('the preheader', () => {
  it('is the first sentence after the greeting, cut at a word', () => {
    expect(preheaderOf('Hi everyone,\n\nCouncils merged again. More below.')).toBe('Councils merged again.');
    expect(preheaderOf('Dear all\n\nA short week! Read on.')).toBe('A short week!');
    expect(preheaderOf('Hello all, the councils merged. More.')).toBe('the councils merged.');
    expect(preheaderOf('Councils merged.')).toBe('Councils merged.');
    const long = `Hi,\n\n${'shared services '.repeat(20)}end.`;
    const p = preheaderOf(long, 60);
    expect(p.length).toBeLessThanOrEqual(61);
    expect(p).toMatch(/^shared services .*(shared|services)…$/);
  });
});

describe('sending rules in small', () => {
  it('a 5xx answer is permanent; a 4xx answer or no answer is worth another try', () => {
    expect(smtpVerdict({ responseCode: 550, response: '550 5.1.1 no such user' })).toEqual({
      kind: 'permanent',
      reply: '550 5.1.1 no such user',
      code: 550,
    });
    expect(smtpVerdict({ responseCode: 421, response: '421 busy' })).toMatchObject({
      kind: 'transient',
      code: 421,
    });
    expect(smtpVerdict(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNECTION' }))).toEqual({
      kind: 'transient',
      reply: 'ECONNECTION: connect ECONNREFUSED',
    });
  });

  it('someone whose chosen sectors have nothing this week gets no message; no choice means all', () => {
    const compiled = {
      html: [
        { kind: 'text', value: 'x' },
        { kind: 'section', sector: 'health', value: 'h' },
      ],
    } as unknown as CompiledIssue;
    expect(hasContentFor(compiled, [])).toBe(true);
    expect(hasContentFor(compiled, ['health', 'other'])).toBe(true);
    expect(hasContentFor(compiled, ['other'])).toBe(false);
  });
});

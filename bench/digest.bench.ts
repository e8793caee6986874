/**
 * Digest rendering: compile once per issue (MJML + text), then personalise per recipient.
 * Baseline: mjml2html's own time on the same MJML document in the same run.
 */
import mjml2html from 'mjml';
import { compileIssue, issueMjml, MINIFY, personalise } from '../src/digest/render.js';
import { buildIssueView } from '../src/digest/view.js';
import { bundledConfig, sampleIssue } from '../test/helpers/digest.js';
import type { Report } from './report.js';

export default async function digestBench(report: Report): Promise<void> {
  const config = bundledConfig();
  const { issue, items } = sampleIssue(40);
  const view = buildIssueView(issue, items, config);
  const mjml = issueMjml(view);
  const runs = 15;

  // Warm both paths (first mjml call loads and JITs ~0.3-1.5 s of modules).
  await mjml2html(mjml, { validationLevel: 'strict', minify: true, minifyOptions: MINIFY });
  await compileIssue(view);

  // Interleaved so both see the same JIT and GC state.
  let mjmlTotal = 0;
  let compileTotal = 0;
  let compiled = await compileIssue(view);
  for (let i = 0; i < runs; i++) {
    let t0 = performance.now();
    await mjml2html(mjml, {
      validationLevel: 'strict',
      minify: true,
      keepComments: true,
      minifyOptions: MINIFY,
    });
    mjmlTotal += performance.now() - t0;
    t0 = performance.now();
    compiled = await compileIssue(view);
    compileTotal += performance.now() - t0;
  }
  const mjmlMs = mjmlTotal / runs;
  const compileMs = compileTotal / runs;
  report({
    name: 'compile a 40-item issue once (MJML + text)',
    value: compileMs,
    unit: 'ms',
    baseline: { name: 'mjml2html alone', value: mjmlMs },
  });

  const sectors = config.sectors.map((s) => s.id);
  const recipient = (i: number) => ({
    unsubscribeUrl: `https://news.example.org/unsubscribe?token=${i.toString(36).padStart(43, 'x')}`,
    preferencesUrl: `https://news.example.org/preferences?token=${i.toString(36).padStart(43, 'x')}`,
    sectors: i % 3 === 0 ? sectors.slice(0, 1 + (i % sectors.length)) : undefined,
  });
  const sample = personalise(compiled, recipient(1));
  report({
    name: 'HTML size of a 40-item issue',
    value: Buffer.byteLength(sample.html) / 1024,
    unit: 'KB',
    target: '< 90 KB',
  });

  const count = 10_000;
  let bytes = 0;
  const t = performance.now();
  for (let i = 0; i < count; i++) {
    const m = personalise(compiled, recipient(i));
    // byteLength flattens V8's string ropes, as writing the message to a socket would.
    bytes += Buffer.byteLength(m.html) + Buffer.byteLength(m.text);
  }
  const totalMs = performance.now() - t;
  report({
    name: 'personalise one message (HTML + text)',
    value: (totalMs * 1000) / count,
    unit: 'µs',
    baseline: { name: 'mjml2html per message', value: mjmlMs * 1000 },
  });
  report({
    name: `build ${count.toLocaleString('en-GB')} personalised messages`,
    value: totalMs / 1000,
    unit: 's',
    target: '< 5 s',
    baseline: { name: `mjml2html x ${count} (projected)`, value: (mjmlMs * count) / 1000 },
  });
  if (bytes === 0) throw new Error('nothing built');
}

/**
 * Classification throughput on one core (ingest hot path), model size, and retraining time on
 * 10,000 labels, each beside natural's BayesClassifier doing the same work in the same run.
 */
import { gzipSync } from 'node:zlib';
import classifiers from 'natural/lib/natural/classifiers/index.js';
import { loadConfig } from '../src/config/load.js';
import { classifierKit } from '../src/classify/index.js';
import type { LabelledItem } from '../src/classify/data.js';
import type { Report } from './report.js';

const { BayesClassifier } = classifiers;

export default async (report: Report): Promise<void> => {
  const config = loadConfig();
  const kit = classifierKit({ sectors: config.sectors });
  const rows = kit.trainingRows();
  const classifier = kit.fromModel(kit.train(rows));
  const texts = rows.map((r) => ({ title: r.title, summary: r.summary }));

  // Throughput: the full classify() (tokenise, stem, gazetteer + rules, both models, explanation).
  const ours = throughput(() => {
    for (const t of texts) classifier.classify(t);
  }, texts.length);

  const bayes = new BayesClassifier();
  for (const r of rows) bayes.addDocument(`${r.title} ${r.summary ?? ''}`, r.sector ?? 'other');
  bayes.train();
  const joined = texts.map((t) => `${t.title} ${t.summary ?? ''}`);
  const natural = throughput(() => {
    for (const t of joined) bayes.classify(t);
  }, joined.length);
  report({
    name: 'classify (sector + relevance + explanation)',
    value: ours,
    unit: 'items/s',
    baseline: { name: 'natural Bayes classify', value: natural },
    target: '>= 20000 items/s',
    higherIsBetter: true,
  });

  // Model size as stored in Redis (gzipped JSON), trained on 10,000 labels.
  const synthetic = syntheticLabels(rows, 10_000);
  const t0 = performance.now();
  const big = kit.train(synthetic, { version: 'bench' });
  const ourTrain = (performance.now() - t0) / 1000;
  const t1 = performance.now();
  const nb = new BayesClassifier();
  for (const r of synthetic) nb.addDocument(`${r.title} ${r.summary ?? ''}`, r.sector ?? 'other');
  nb.train();
  const naturalTrain = (performance.now() - t1) / 1000;
  report({
    name: 'retrain on 10,000 labels',
    value: ourTrain,
    unit: 's',
    baseline: { name: 'natural Bayes train (sector only)', value: naturalTrain },
    target: '< 60 s',
    higherIsBetter: false,
  });
  const bytes = gzipSync(JSON.stringify(big)).length;
  const nbBytes = gzipSync(JSON.stringify(nb)).length;
  report({
    name: 'model size (10,000 labels, gzipped JSON)',
    value: bytes / 1e6,
    unit: 'MB',
    baseline: { name: 'natural Bayes JSON, gzipped', value: nbBytes / 1e6 },
    target: '<= a few MB',
    higherIsBetter: false,
  });
};

function throughput(pass: () => void, n: number): number {
  for (let i = 0; i < 3; i++) pass(); // warm up (JIT, stem cache)
  let passes = 0;
  const start = performance.now();
  while (performance.now() - start < 1500) {
    pass();
    passes++;
  }
  return (passes * n) / ((performance.now() - start) / 1000);
}

/**
 * 10,000 labels built from the training rows: each takes one row's labels and mixes in words
 * from other rows of the same sector, so the vocabulary grows as real labels would.
 */
function syntheticLabels(rows: LabelledItem[], n: number): LabelledItem[] {
  let seed = 7;
  const rand = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  const pick = <T>(xs: T[]) => xs[Math.floor(rand() * xs.length)]!;
  const out: LabelledItem[] = [];
  for (let i = 0; i < n; i++) {
    const base = pick(rows);
    const other = pick(rows.filter((r) => r.sector === base.sector));
    const words = `${base.title} ${other.title}`.split(' ');
    for (let j = words.length - 1; j > 0; j--) {
      const k = Math.floor(rand() * (j + 1));
      [words[j], words[k]] = [words[k]!, words[j]!];
    }
    out.push({
      title: words.slice(0, 12).join(' '),
      summary: `${base.summary ?? ''} ${i}`,
      sector: base.sector,
      relevant: base.relevant,
      weight: i % 10 === 0 ? 3 : 1,
    });
  }
  return out;
}

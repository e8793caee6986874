import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { classifierKit } from '../../src/classify/index.js';
import { readLabelledTsv, readTrainingDir, type Body } from '../../src/classify/data.js';
import { evaluate, metrics } from '../../src/classify/eval.js';
import { keywordBaseline } from '../../src/classify/keyword-baseline.js';
import { Featurizer } from '../../src/classify/features.js';
import { PhraseMatcher } from '../../src/classify/matcher.js';
import { tokenize } from '../../src/text/tokens.js';
import type { Classification } from '../../src/types/item.js';

const config = loadConfig();
const kit = classifierKit({ sectors: config.sectors });
const classifier = kit.bundled();

describe('phrase matcher (gazetteer and rules)', () => {
  const m = new PhraseMatcher<string>();
  m.add('Kent Police', 'kp');
  m.add('Kent Fire and Rescue Service', 'kfrs');
  m.add('Kent', 'county');
  m.add('HE', 'higher-ed');
  const run = (text: string) => {
    const t = tokenize(text);
    return m.match(t.words, t.raw).map((h) => h.value);
  };

  it('matches whole words, case-insensitively, longest first', () => {
    expect(run('KENT POLICE and Kent Fire & Rescue Service share a base in kent')).toEqual([
      'kp',
      'kfrs',
      'county',
    ]);
    expect(run('Kentish town police')).toEqual([]);
  });

  it('matches short acronyms only in capitals', () => {
    expect(run('he said the HE sector')).toEqual(['higher-ed']);
  });
});

/** The non-word features a title yields, as `feature=surface` (config's sectors and gazetteer, or `featurizer`'s). */
function features(title: string, featurizer = kit.featurizer): string[] {
  const out: string[] = [];
  featurizer.special(tokenize(title), undefined, (f, _v, surface) => out.push(`${f}=${surface ?? ''}`));
  return out;
}

/** A featurizer with only these keywords (higher-education's, say) and gazetteer bodies. */
function featurizerOf(o: { keywords?: string[]; bodies?: Body[] }): Featurizer {
  const sectors = [
    { id: 'higher-education' as const, heading: 'HE', keywords: o.keywords ?? [], organisations: [] },
  ];
  return new Featurizer({ sectors, bodies: o.bodies ?? [], collaborationTerms: [] });
}

describe('keywords and collaboration phrases (matched on stems, checked against their spellings)', () => {
  it('accepts plurals and possessives of a configured word, nothing else', () => {
    const rule = (keyword: string, title: string) =>
      features(title, featurizerOf({ keywords: [keyword] })).filter((f) => f.startsWith('rule:'));
    expect(rule('council', 'Councils agree merger')).toEqual(['rule:higher-education=councils']);
    expect(rule('council', "Council's chief quits")).toEqual(['rule:higher-education=councils']); // the tokenizer drops the apostrophe
    expect(rule('university', 'Universities agree merger')).toEqual(['rule:higher-education=universities']);
    expect(rule('universities', 'University agrees merger')).toEqual(['rule:higher-education=university']);
    expect(rule('church', 'Churches join forces')).toEqual(['rule:higher-education=churches']);
    expect(rule('university', 'Universal credit delayed')).toEqual([]);
    expect(rule('detectives', 'Cancer detection improves')).toEqual([]);
  });

  it('does not take words that only share a stem with a keyword', () => {
    // Porter: universal/universities -> univers, detection/detectives -> detect, integrity/integration -> integr
    expect(features('Universal credit rollout delayed again')).not.toContainEqual(
      expect.stringMatching(/^rule:higher-education/),
    );
    expect(features('Universities warn over funding')).toContain('rule:higher-education=universities');
    expect(features('Cancer detection rates improve')).not.toContainEqual(
      expect.stringMatching(/^rule:blue-light/),
    );
    expect(features('Integrity questioned after audit')).not.toContain('collab=integrity');
    expect(features('Integration of care teams')).toContain('collab=integration');
  });

  it('keeps a shorter keyword inside a longer stem match spelt otherwise, and each keyword its own sector', () => {
    // "forced" stems as "force" in "police force"; "houses" as "housing" in "council housing".
    expect(features('Police forced to apologise')).toContainEqual(
      expect.stringMatching(/^rule:blue-light=police$/),
    );
    expect(features('Council houses sold off')).toContainEqual(
      expect.stringMatching(/^rule:local-government=council$/),
    );
    // "doctoral" shares the stems of health's "doctors", but is a higher-education keyword.
    expect(features('Doctoral students strike')).not.toContainEqual(expect.stringMatching(/^rule:health/));
  });

  it('matches keywords with numbers by the number too', () => {
    expect(features('Council issues section 114 notice')).toContain('rule:local-government=section 114');
    expect(features('Landlords await section 21 ruling')).not.toContain('rule:local-government=section 21');
  });
});

describe('bare council places', () => {
  it('derives the place from a council name or alias', () => {
    const council = (name: string, aliases: string[] = []): Body => ({
      name,
      sector: 'local-government',
      kind: 'council',
      aliases,
    });
    const places = (body: Body, title: string) =>
      features(title, featurizerOf({ bodies: [body] })).filter((f) => f.startsWith('place='));
    expect(places(council('Croydon Council', ['London Borough of Croydon']), 'Croydon sets budget')).toEqual([
      'place=Croydon',
    ]);
    const stockton = council('Stockton-on-Tees Borough Council', ['Stockton council']);
    expect(places(stockton, 'Stockton-on-Tees sets budget')).toEqual(['place=Stockton-on-Tees']);
    expect(places(stockton, 'Stockton sets budget')).toEqual(['place=Stockton']);
    expect(places(council('City of York Council'), 'York sets budget')).toEqual(['place=York']);
    expect(places(council('Reading Borough Council'), 'Reading sets budget')).toEqual([]); // an ordinary word too
    expect(
      places({ name: 'Kent Police', sector: 'blue-light', kind: 'police', aliases: [] }, 'Kent sets budget'),
    ).toEqual([]);
  });

  it('counts a capitalised place on its own, not inside a longer name', () => {
    expect(features('Croydon issues second section 114 notice')).toContain('place=Croydon');
    expect(features('Croydon Health Services NHS Trust appoints chair')).not.toContainEqual(
      expect.stringMatching(/^place/),
    );
    expect(features('Sheffield Hallam cuts 200 jobs')).not.toContainEqual(expect.stringMatching(/^place/));
  });

  it('files a headline that names a council only by its place under local government, and says so', () => {
    const c = classifier.classify({ title: 'Fareham approves plan for 700 homes' }); // no training row names Fareham
    expect(c.sector).toBe('local-government');
    expect(c.explanation).toMatch(/place: Fareham \(local-government\)/);
  });
});

describe('training on headlines alone as well', () => {
  it('counts rows, not the extra headline-only copies', () => {
    const rows = kit.trainingRows().slice(0, 50);
    const model = kit.train(rows);
    expect(model.stats.sectorExamples).toBe(rows.filter((r) => r.sector).length);
    expect(model.stats.relevanceExamples).toBe(rows.filter((r) => r.relevant !== undefined).length);
  });

  it('can be switched off', () => {
    const rows = kit.trainingRows().slice(0, 50);
    expect(kit.train(rows, { headlineWeight: 0 }).sector).not.toEqual(kit.train(rows).sector);
  });
});

describe('labelled TSV', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ssnews-tsv-'));
  /** Writes `text` to a file named `name` in a fresh directory and returns its path. */
  const file = (name: string, text: string) => {
    const at = mkdtempSync(join(dir, 'f-'));
    writeFileSync(join(at, name), text);
    return join(at, name);
  };

  it('finds columns by name, ignoring extra and reordered ones', () => {
    const rows = readLabelledTsv(
      file(
        'f.tsv',
        'note\trelevant\tTitle\tid\tsector\tsummary\textra\nx\tyes\tA headline\tr1\thealth\tA summary\tq\ny\tno\tAnother\tr2\tblue-light\t\t\n',
      ),
    );
    expect(rows).toEqual([
      { id: 'r1', title: 'A headline', summary: 'A summary', sector: 'health', relevant: true },
      { id: 'r2', title: 'Another', sector: 'blue-light', relevant: false },
    ]);
  });

  it('names the file, line and field of a bad value', () => {
    expect(() => readLabelledTsv(file('f.tsv', 'title\tsector\nA\thelth\n'))).toThrow(
      /f\.tsv:2: sector: expected one of local-government/,
    );
    expect(() => readLabelledTsv(file('f.tsv', 'headline text\tsector\nA\thealth\n'))).toThrow(
      /expected a "title" column/,
    );
  });

  it('never trains on held-out files', () => {
    const training = join(dir, 'training');
    mkdirSync(training);
    for (const name of ['train.tsv', 'more.tsv', 'heldout.tsv', 'held-out-2024.tsv', 'test.tsv'])
      writeFileSync(join(training, name), `title\tsector\n${name}\thealth\n`);
    writeFileSync(join(training, 'notes.txt'), 'not a TSV');
    expect(readTrainingDir(training).map((r) => r.title)).toEqual(['more.tsv', 'train.tsv']);
  });
});

describe('metrics', () => {
  const pred = (sector: string, relevant: boolean, needsReview = false) =>
    ({ sector, relevant, needsReview }) as Classification;
  it('computes accuracy, per-sector P/R/F1, macro-F1 and the confusion matrix', () => {
    const items = [
      { title: 'a', sector: 'health', relevant: true },
      { title: 'b', sector: 'health', relevant: true },
      { title: 'c', sector: 'blue-light', relevant: false },
      { title: 'd', sector: 'local-government', relevant: false },
    ] as const;
    const r = metrics(
      [...items],
      [
        pred('health', true),
        pred('blue-light', false, true),
        pred('blue-light', true),
        pred('local-government', false),
      ],
      'm',
    );
    // sector: 3 of 4 right. health P 1 R .5 F1 2/3; blue-light P .5 R 1 F1 2/3; local-government 1.
    expect(r.sector!.accuracy).toBe(0.75);
    expect(r.sector!.perSector['health']).toEqual({ precision: 1, recall: 0.5, f1: 2 / 3, support: 2 });
    expect(r.sector!.perSector['blue-light']!.f1).toBeCloseTo(2 / 3, 10);
    expect(r.sector!.macroF1).toBeCloseTo((2 / 3 + 2 / 3 + 1) / 3, 10);
    // core: higher-education has no rows and no predictions → F1 0.
    expect(r.sector!.coreMacroF1).toBeCloseTo((2 / 3 + 2 / 3 + 1 + 0) / 4, 10);
    expect(r.sector!.confusion['health']).toEqual({ 'local-government': 0, health: 1, 'blue-light': 1 });
    expect(r.sector!.flagged).toBe(1);
    // relevance: gold yes,yes,no,no; predicted yes,no,yes,no → P .5 R .5 F1 .5
    expect(r.relevance).toEqual({ rows: 4, accuracy: 0.5, precision: 0.5, recall: 0.5, f1: 0.5, support: 2 });
  });
});

describe('classifier', () => {
  it('explains which body and terms decided', () => {
    const c = classifier.classify({
      title: 'Kent Police and Essex Police agree joint collaboration on firearms training',
    });
    expect(c.sector).toBe('blue-light');
    expect(c.relevant).toBe(true);
    expect(c.explanation).toMatch(/^gazetteer: Kent Police \(blue-light\), Essex Police \(blue-light\);/);
    expect(c.explanation).toMatch(/terms: .*(joint|collaboration)/);
    expect(c.modelVersion).toBe('bundled');
  });

  it('flags items it cannot place with confidence', () => {
    const c = classifier.classify({ title: 'Monday briefing' }); // no sector or collaboration words at all
    expect(c.needsReview).toBe(true);
    expect(c.relevant).toBe(false);
  });

  it('uses the source hint when the text says little', () => {
    const plain = classifier.classify({ title: 'New chief executive appointed' });
    const hinted = classifier.classify({ title: 'New chief executive appointed', sectorHint: 'health' });
    expect(hinted.sector).toBe('health');
    expect(hinted.confidence).toBeGreaterThan(plain.sector === 'health' ? plain.confidence : 0);
  });

  it.each([
    ['BBC', 'Police and fire services to share headquarters in Northamptonshire', 'blue-light', true],
    [
      'Guardian',
      'Tory-run council to share chief executive with neighbour to cut costs',
      'local-government',
      true,
    ],
    ['LocalGov', 'Districts agree shared waste contract to save £1m', 'local-government', true],
    ['HSJ', 'Exclusive: trusts told to form groups with shared chief executives', 'health', true],
    ['Wonkhe', 'What the OfS register tells us about franchised provision', 'higher-education', false],
    ['FE Week', 'College merger creates £100m group in the Midlands', 'higher-education', true],
    ['Police Professional', 'Forces collaborate on regional organised crime unit', 'blue-light', true],
  ])('reads %s-style wording: %s', (_outlet, title, sector, relevant) => {
    const c = classifier.classify({ title });
    expect(c.sector).toBe(sector);
    expect(c.relevant).toBe(relevant);
  });
});

describe('relevance is about collaboration, not about who or where', () => {
  // Training rows in which Surrey, fire and service appear only in collaboration stories: a
  // model free to use them would call any Surrey fire story relevant.
  const rows = [
    ['Surrey Fire and Rescue Service and Sussex agree joint control room', 'blue-light', true],
    ['Surrey fire service to share headquarters with police', 'blue-light', true],
    ['Surrey and Sussex fire services merge back offices', 'blue-light', true],
    ['Surrey Fire and Rescue Service partnership with ambulance service', 'blue-light', true],
    ['Police officers praised for bravery', 'blue-light', false],
    ['Council approves annual budget', 'local-government', false],
    ['Councils agree to share a chief executive', 'local-government', true],
    ['Hospital wins award for maternity care', 'health', false],
  ].map(([title, sector, relevant]) => ({
    title: title as string,
    sector: sector as 'blue-light',
    relevant: relevant as boolean,
  }));
  const c = kit.fromModel(kit.train(rows));

  it('ignores place, body and sector words, and names collaboration words', () => {
    const opening = c.classify({ title: 'Surrey Fire and Rescue Service opens new fire station' });
    expect(opening.sector).toBe('blue-light');
    expect(opening.relevant).toBe(false);
    const joint = c.classify({ title: 'Surrey Fire and Rescue Service agrees joint training with Kent' });
    expect(joint.relevant).toBe(true);
    expect(joint.explanation).toMatch(/terms: joint/);
    expect(joint.explanation).not.toMatch(/terms: .*(surrey|fire|service)/);
  });

  it('trains no relevance weight for words inside a body or keyword match', () => {
    const model = kit.train(rows);
    const rel = (f: string) => model.relevance[model.features.indexOf(f)] ?? 0;
    for (const f of ['w:surrei', 't:surrei', 'w:rescu', 'gaz:blue-light', 'rule:blue-light']) {
      expect(model.features).toContain(f);
      expect(rel(f)).toBe(0);
    }
    expect(rel('c:joint')).toBeGreaterThan(0);
  });
});

describe('classification counts exactly the features training extracts', () => {
  it('scores each held-out row as the sum of the weights of its extracted features', () => {
    const { model } = classifier;
    const K = model.classes.length;
    const index = new Map(model.features.map((f, i) => [f, i]));
    const round = (x: number) => Math.round(x * 1000) / 1000;
    for (const row of readLabelledTsv(`${kit.trainingDir}/heldout.tsv`)) {
      const sector = new Set<number>();
      const relevance = new Set<number>();
      kit.featurizer.extract(row, (f, _v, _s, forRelevance) => {
        const i = index.get(f);
        if (i === undefined) return;
        sector.add(i);
        if (forRelevance) relevance.add(i);
      });
      const scores = model.classes.map((_, c) =>
        [...sector].reduce((z, i) => z + model.sector[i * K + c]!, 0),
      );
      const best = scores.indexOf(Math.max(...scores));
      const confidence = 1 / scores.reduce((sum, s) => sum + Math.exp(s - scores[best]!), 0);
      const z = [...relevance].reduce((sum, i) => sum + model.relevance[i]!, 0);
      const got = classifier.classify(row);
      expect(got.sector, row.title).toBe(model.classes[best]);
      expect(got.confidence, row.title).toBeCloseTo(round(confidence), 3);
      expect(got.relevance, row.title).toBeCloseTo(round(1 / (1 + Math.exp(-z))), 3);
    }
  });
});

describe('held-out quality (config/training/heldout.tsv, never trained on)', () => {
  const heldout = readLabelledTsv(`${kit.trainingDir}/heldout.tsv`);
  const model = evaluate(classifier, heldout).report;
  const baseline = evaluate(keywordBaseline(config.sectors), heldout).report;

  it('keeps sector macro-F1 over the four core sectors above its floor and the baseline', () => {
    expect(model.sector!.coreMacroF1).toBeGreaterThanOrEqual(0.93);
    expect(model.sector!.coreMacroF1).toBeGreaterThan(baseline.sector!.coreMacroF1 + 0.03);
    expect(model.sector!.accuracy).toBeGreaterThan(baseline.sector!.accuracy);
  });

  it('keeps relevance F1 above its floor and the baseline', () => {
    expect(model.relevance!.f1).toBeGreaterThanOrEqual(0.92);
    expect(model.relevance!.f1).toBeGreaterThan(baseline.relevance!.f1 + 0.03);
  });
});

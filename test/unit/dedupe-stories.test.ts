import { describe, expect, it } from 'vitest';
import { shuffled } from '../../src/dedupe/eval.js';
import { mulberry32 } from '../../src/random.js';
import { readStoryTsv } from '../../src/dedupe/labelled-stories.js';
import { clusterStories, storyPairScores, type StoryInput } from '../../src/dedupe/stories.js';
import { polarityOf, readStoryText } from '../../src/dedupe/story-text.js';
import { tfidfClusters } from '../../src/dedupe/tfidf-baseline.js';

const DEV = 'test/fixtures/dedupe/dev.tsv';

let next = 0;
/** A report: title | summary, by an outlet, some hours after 2026-11-16 09:00Z. */
const report = (
  source: string,
  hours: number,
  title: string,
  summary?: string,
  id = `i${++next}`,
): StoryInput => ({
  id,
  title,
  summary,
  sourceIds: [source],
  publishedAt: new Date(Date.parse('2026-11-16T09:00:00Z') + hours * 3_600_000).toISOString(),
});

/** Other news of the week, so that words are as common or rare as in a real batch. */
const background: StoryInput[] = [
  report(
    'bg1',
    1,
    'Council approves budget for next year',
    'Councillors approved a council tax rise of 4.99% and savings of £12m.',
  ),
  report(
    'bg2',
    2,
    'NHS trust appoints new chair',
    'The trust board has appointed a new chair following a national search.',
  ),
  report(
    'bg3',
    3,
    'Police force launches knife crime campaign',
    'Officers will visit schools across the county as part of the campaign.',
  ),
  report(
    'bg4',
    5,
    'University reports deficit as international recruitment falls',
    'The university expects a deficit of £30m this year.',
  ),
  report(
    'bg5',
    8,
    'Councils warn of pressure on children’s services',
    'Local authorities say demand for care placements continues to rise.',
  ),
  report(
    'bg6',
    13,
    'College wins award for apprenticeships',
    'The college was recognised for its work with local employers.',
  ),
  report(
    'bg7',
    21,
    'Fire service recruits on-call firefighters',
    'The service needs 40 more on-call firefighters in rural stations.',
  ),
  report(
    'bg8',
    30,
    'Ambulance response times improve',
    'Average response times for category two calls fell this month.',
  ),
];

const pairOf = (batch: StoryInput[], a: StoryInput, b: StoryInput) =>
  storyPairScores(batch).find((p) => [p.a, p.b].sort().join() === [a.id, b.id].sort().join());

const together = (result: Map<string, string>, a: StoryInput, b: StoryInput) =>
  result.get(a.id) === result.get(b.id);

describe('clusterStories groups reports of one story from different outlets', () => {
  it.each([
    [
      'paraphrased headline, same names and figure',
      [
        report(
          'lgc',
          0,
          'Kelbridge and Ashworth councils agree to share chief executive',
          'The two district councils will share a chief executive to save £1.1m.',
        ),
        report(
          'gazette',
          6,
          'Shared boss for Kelbridge and Ashworth as councils seal deal',
          'Kelbridge and Ashworth will share a chief executive, saving £1.1m a year.',
        ),
      ],
    ],
    [
      'three outlets, one headline naming no place',
      [
        report(
          'mj',
          0,
          'Councils to share chief executive',
          'Kelbridge District Council and Ashworth Borough Council have agreed to appoint one chief executive for both.',
        ),
        report(
          'kelbridge-news',
          2,
          'Kelbridge and Ashworth agree joint chief executive',
          'Kelbridge and Ashworth councils will be led by a single chief executive from April.',
        ),
        report(
          'bbc',
          9,
          'One chief executive for Kelbridge and Ashworth councils',
          'Both councils voted to share a chief executive to cut costs.',
        ),
      ],
    ],
    [
      'headline-only report',
      [
        report(
          'hsj',
          0,
          'Marlshire and Dunmore hospital trusts agree to merge',
          'Marlshire Hospitals NHS Trust and Dunmore Community NHS Trust will merge next April.',
        ),
        report('nursing-times', 20, 'Marlshire and Dunmore trusts to merge'),
      ],
    ],
  ])('%s', (_name, story) => {
    const result = clusterStories([...background, ...story]);
    for (const item of story) expect(result.get(item.id)).toBe(result.get(story[0]!.id));
    for (const item of background) expect(result.get(item.id)).toBe(item.id);
  });
});

describe('clusterStories keeps apart what only looks alike', () => {
  it.each([
    [
      'opposite news about the same bodies',
      'opposite news',
      report(
        'lgc',
        0,
        'Kelbridge and Ashworth to share chief executive',
        'Kelbridge and Ashworth councils have agreed to share a chief executive.',
      ),
      report(
        'gazette',
        20,
        'Kelbridge and Ashworth end shared chief executive',
        'Kelbridge and Ashworth councils will end their shared chief executive arrangement.',
      ),
    ],
    [
      'X and Y to share, X and Z end their sharing',
      'opposite news',
      report(
        'lgc',
        0,
        'Kelbridge and Ashworth to share chief executive',
        'Kelbridge District Council will share a chief executive with Ashworth Borough Council.',
      ),
      report(
        'mj',
        3,
        'Kelbridge and Brenton end shared chief executive',
        'Kelbridge District Council and Brenton District Council will end their shared chief executive arrangement.',
      ),
    ],
    [
      'the same sum of money in different places',
      'different places',
      report(
        'lgc',
        0,
        'Kelbridge and Ashworth launch shared revenues service to save £1.2m',
        'Kelbridge and Ashworth councils will run one revenues and benefits team.',
      ),
      report(
        'mj',
        4,
        'Marlshire and Dunmore councils create joint procurement hub to save £1.2m',
        'Marlshire and Dunmore will buy goods and services through one team.',
      ),
    ],
    [
      'the same generic headline in different places',
      'different places',
      report(
        'lgc',
        0,
        'Councils to share chief executive',
        'Kelbridge and Ashworth councils have agreed to share a chief executive.',
      ),
      report(
        'mj',
        5,
        'Councils to share chief executive',
        'Marlshire and Dunmore councils have agreed to share a chief executive.',
      ),
    ],
  ])('%s', (_name, rule, a, b) => {
    const result = clusterStories([...background, a, b]);
    expect(together(result, a, b)).toBe(false);
    expect(pairOf([...background, a, b], a, b)?.why).toContain(rule);
  });

  it('one place name shared by two unrelated stories', () => {
    const bins = report(
      'lgc',
      0,
      'Kelbridge council awards leisure centre building contract',
      'Kelbridge District Council has chosen a builder for the new leisure centre in the town centre.',
    );
    const labs = report(
      'hsj',
      2,
      'Kelbridge hospital joins regional pathology network',
      'Kelbridge General Hospital will send blood tests to a shared laboratory in Marlshire.',
    );
    const result = clusterStories([...background, bins, labs]);
    expect(together(result, bins, labs)).toBe(false);
    // They do share a name: it is the words that keep them apart.
    expect(pairOf([...background, bins, labs], bins, labs)).toMatchObject({ why: 'similar', apart: false });
    expect(pairOf([...background, bins, labs], bins, labs)!.score).toBeLessThan(0.1);
  });

  it('a headline that names no place, alike to two stories about different places, joins neither', () => {
    const k1 = report(
      'lgc',
      0,
      'Kelbridge and Ashworth to share chief executive',
      'Kelbridge and Ashworth councils have agreed to share a chief executive.',
    );
    const k2 = report(
      'gazette',
      2,
      'Kelbridge and Ashworth councils agree shared chief executive',
      'The Kelbridge and Ashworth chief executive will be shared from April.',
    );
    const m1 = report(
      'mj',
      1,
      'Marlshire and Dunmore to share chief executive',
      'Marlshire and Dunmore councils have agreed to share a chief executive.',
    );
    const m2 = report(
      'echo',
      3,
      'Marlshire and Dunmore councils agree shared chief executive',
      'The Marlshire and Dunmore chief executive will be shared from April.',
    );
    const vague = report('public-finance', 5, 'Two councils to share chief executive');
    const result = clusterStories([...background, k1, k2, m1, m2, vague]);
    expect(together(result, k1, k2)).toBe(true);
    expect(together(result, m1, m2)).toBe(true);
    expect(result.get(vague.id)).toBe(vague.id);
  });

  it("keeps an outlet's follow-up out of the story it follows, and lets another outlet's report in", () => {
    const first = report(
      'lgc',
      0,
      'Kelbridge and Ashworth agree to share chief executive',
      'Kelbridge and Ashworth councils will appoint a joint chief executive.',
    );
    const other = report(
      'gazette',
      4,
      'Kelbridge and Ashworth to share a chief executive',
      'The councils of Kelbridge and Ashworth will appoint one chief executive for both.',
    );
    const followUp = report(
      'lgc',
      30,
      'Kelbridge and Ashworth name joint chief executive',
      'Kelbridge and Ashworth have named the joint chief executive they agreed to appoint.',
    );
    const result = clusterStories([...background, first, other, followUp]);
    expect(together(result, first, other)).toBe(true);
    expect(together(result, first, followUp)).toBe(false);
  });

  it.each([
    ['3 days apart: one story', 72, true],
    ['4.5 days apart: never', 108, false],
  ])('the same report %s', (_name, hours, joined) => {
    const a = report(
      'lgc',
      0,
      'Kelbridge and Ashworth councils agree to share chief executive',
      'Kelbridge and Ashworth will share a chief executive to save £1.1m.',
    );
    const b = report(
      'gazette',
      hours,
      'Kelbridge and Ashworth councils agree to share chief executive',
      'Kelbridge and Ashworth will share a chief executive to save £1.1m.',
    );
    expect(together(clusterStories([...background, a, b]), a, b)).toBe(joined);
  });

  it('keeps a whole cluster within 4 days: of three reports 2.5 days apart in turn, the first and last never meet', () => {
    const text = [
      'Kelbridge and Ashworth councils agree to share chief executive',
      'Kelbridge and Ashworth will share a chief executive to save £1.1m.',
    ] as const;
    const [a, b, c] = [
      report('lgc', 0, ...text),
      report('gazette', 60, ...text),
      report('bbc', 120, ...text),
    ];
    const result = clusterStories([...background, a!, b!, c!]);
    expect(together(result, a!, c!)).toBe(false);
    expect(together(result, a!, b!) || together(result, b!, c!)).toBe(true);
  });

  it('does not chain: a report about X+Y that mentions Y+Z does not pull the two stories together', () => {
    const xy = [
      report(
        'kelbridge-news',
        0,
        'Kelbridge and Ashworth agree shared chief executive',
        'Kelbridge District Council and Ashworth Borough Council will appoint one chief executive.',
      ),
      report(
        'lgc',
        5,
        'Kelbridge and Ashworth seal shared chief executive deal',
        'Ashworth’s chief executive will also lead Kelbridge from January under a joint arrangement.',
      ),
    ];
    const yz = [
      report(
        'mj',
        24,
        'Ashworth and Brenton to share waste collection service',
        'Ashworth, which already shares its chief executive with Kelbridge, will run a joint bin service with Brenton.',
      ),
      report(
        'gazette',
        30,
        'Bin collections in Brenton to be run jointly with Ashworth',
        'Brenton District Council will merge its waste crews with Ashworth’s to save £400,000 a year.',
      ),
      report(
        'letsrecycle',
        33,
        'Ashworth and Brenton agree joint waste contract',
        'Ashworth and Brenton district councils will pool refuse and recycling collections.',
      ),
    ];
    const batch = [...background, ...xy, ...yz];
    // Single link over plain TF-IDF chains them at some cut-off: the case is real.
    expect(
      [0.15, 0.2, 0.25, 0.3].some(
        (c) =>
          together(tfidfClusters(batch, c), xy[0]!, yz[2]!) &&
          !together(tfidfClusters(batch, c), xy[0]!, bg(batch)),
      ),
    ).toBe(true);
    const result = clusterStories(batch);
    expect(together(result, xy[0]!, xy[1]!)).toBe(true);
    expect(together(result, yz[1]!, yz[2]!)).toBe(true);
    for (const a of xy) for (const b of yz) expect(together(result, a, b)).toBe(false);
  });
});

const bg = (batch: StoryInput[]) => batch.find((i) => i.sourceIds[0] === 'bg1')!;

describe('clusterStories: ids and order', () => {
  it('names a cluster by its first member by (publishedAt, id), and maps every id', () => {
    const a = report(
      'lgc',
      5,
      'Kelbridge and Ashworth councils agree to share chief executive',
      'Kelbridge and Ashworth will share a chief executive.',
      'zz-later',
    );
    const b = report(
      'gazette',
      1,
      'Kelbridge and Ashworth councils to share chief executive',
      'Kelbridge and Ashworth councils will share a chief executive.',
      'yy-first',
    );
    const c = report(
      'bbc',
      1,
      'Kelbridge and Ashworth councils will share a chief executive',
      'The chief executive of Kelbridge will lead Ashworth too.',
      'xx-same-time',
    );
    const result = clusterStories([...background, a, b, c]);
    expect(result.size).toBe(background.length + 3);
    // b and c share the earliest time: the lower id names the cluster.
    expect([result.get(a.id), result.get(b.id), result.get(c.id)]).toEqual([
      'xx-same-time',
      'xx-same-time',
      'xx-same-time',
    ]);
    expect(clusterStories([])).toEqual(new Map());
  });

  it('gives exactly the same clusters whatever order the items come in', () => {
    const rows = readStoryTsv(DEV);
    const reference = clusterStories(rows);
    expect(new Set(reference.values()).size).toBeLessThan(rows.length); // it does join some
    const random = mulberry32(42);
    const orders = [[...rows].reverse(), ...Array.from({ length: 5 }, () => shuffled(rows, random))];
    for (const order of orders) expect([...clusterStories(order)].sort()).toEqual([...reference].sort());
  });
});

describe('reading a story’s text', () => {
  it.each([
    [
      '£180k and £180,000 are one sum',
      'Savings of £180k',
      'saving £180,000 a year',
      ['£180000'],
      ['£180000'],
    ],
    ['£1.2m and £1.2 million', 'A £1.2m deal', 'worth £1.2 million', ['£1200000'], ['£1200000']],
    ['£2bn', 'The £2bn framework', undefined, ['£2000000000'], ['£2000000000']],
  ])('%s', (_name, a, b, moneyA, moneyB) => {
    expect(readStoryText(a).money).toEqual(moneyA);
    if (b) expect(readStoryText(b).money).toEqual(moneyB);
  });

  it('reads figures but not years', () => {
    expect(readStoryText('150 jobs to go by 2028').numbers).toEqual(['#150']);
  });

  it.each([
    ['Kelbridge and Ashworth to share chief executive', 1],
    ['Kelbridge and Ashworth end shared chief executive', -1],
    ['Basildon pulls out of shared services deal', -1],
    ['Merger talks called off', -1],
    ['Council to bring services back in house', -1],
    ['Shared service to be reviewed by the end of March', 1],
    ['New chief executive appointed', 0],
  ])('polarity of "%s" is %i', (title, expected) => {
    expect(polarityOf(title.toLowerCase().split(/\W+/))).toBe(expected);
  });
});

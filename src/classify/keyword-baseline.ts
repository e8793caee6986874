import type { SectorConfig, SectorId } from '../config/schema.js';
import type { ClassifyInput, Classifier } from './types.js';
import type { Classification } from '../types/item.js';

const COLLABORATION =
  /\b(shar(e|ed|es|ing)|joint(ly)?|merg(e|er|ers|ing|ed)|partnership|partners|collaborat\w*|integrat\w*|combined authority|devolution|pool(ed)?|alliance|together|group model)\b/i;

/**
 * The plain keyword baseline: counts sectors.yaml keywords and organisations in the text,
 * and calls an item relevant when it mentions a collaboration word. Evaluation reports every
 * figure beside this one, so the real classifier has to beat it.
 */
export function keywordBaseline(sectors: SectorConfig[]): Classifier {
  const rules = sectors.map((s) => ({
    id: s.id,
    pattern: wordsPattern([...s.keywords, ...s.organisations]),
  }));
  return {
    version: 'keyword-baseline',
    classify(input: ClassifyInput): Classification {
      const text = `${input.title} ${input.summary ?? ''}`;
      let best: { id: SectorId; hits: number } = { id: 'other', hits: 0 };
      for (const rule of rules) {
        const hits = rule.pattern ? (text.match(rule.pattern)?.length ?? 0) : 0;
        if (hits > best.hits) best = { id: rule.id, hits };
      }
      const relevant = COLLABORATION.test(text);
      return {
        sector: best.id,
        confidence: best.hits > 0 ? 0.5 : 0,
        explanation: best.hits > 0 ? `${best.hits} keyword(s) of ${best.id}` : 'no keyword matched',
        relevance: relevant ? 1 : 0,
        relevant,
        needsReview: best.hits === 0,
        modelVersion: 'keyword-baseline',
      };
    },
  };
}

function wordsPattern(words: string[]): RegExp | undefined {
  if (words.length === 0) return undefined;
  const escaped = words
    .map((w) => w.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .sort((a, b) => b.length - a.length);
  return new RegExp(`\\b(?:${escaped.join('|')})\\b`, 'gi');
}

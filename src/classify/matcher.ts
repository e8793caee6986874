import { words } from '../text/tokens.js';

/**
 * Whole-word, case-insensitive phrase matching for thousands of phrases at once: a trie over
 * lower-case words, walked from every position of the text, keeping the longest match.
 * Phrases that are short all-capital acronyms (FE, HE, GP, ICB, PCC) only match when written
 * in capitals, so "he said" is not higher education and "pcc" in a URL-ish token is ignored.
 */
export interface PhraseHit<T> {
  value: T;
  /** Index of the first word and number of words. */
  start: number;
  length: number;
}

interface Node<T> {
  next?: Map<string, Node<T>>;
  value?: T;
  /** The exact spelling required, for acronyms. */
  exact?: string;
}

const ACRONYM = /^[A-Z0-9]{2,4}$/;

export class PhraseMatcher<T> {
  private readonly root: Node<T> = {};

  /**
   * Adds a phrase; the first value added for a phrase wins. `tokens` gives the phrase's
   * tokens when the matcher works on something other than lower-case words (e.g. stems).
   */
  add(phrase: string, value: T, tokens: string[] = words(phrase)): void {
    // Nothing to match, or a phrase that starts or ends with a stop word (its stem is "").
    if (tokens.length === 0 || tokens[0] === '' || tokens.at(-1) === '') return;
    let node = this.root;
    for (const w of tokens) {
      node.next ??= new Map();
      let child = node.next.get(w);
      if (!child) node.next.set(w, (child = {}));
      node = child;
    }
    if (node.value !== undefined) return;
    node.value = value;
    const trimmed = phrase.trim();
    if (tokens.length === 1 && ACRONYM.test(trimmed) && /[A-Z]/.test(trimmed)) node.exact = trimmed;
  }

  /**
   * Longest non-overlapping matches, left to right. `raw` holds the words as written. With
   * `accept`, a phrase it turns down does not count, so a shorter phrase it accepts still can.
   */
  match(
    lower: readonly string[],
    raw: readonly string[],
    accept?: (value: T, start: number, length: number) => boolean,
  ): PhraseHit<T>[] {
    const hits: PhraseHit<T>[] = [];
    const top = this.root.next;
    if (!top) return hits;
    let i = 0;
    while (i < lower.length) {
      let node = top.get(lower[i]!);
      if (!node) {
        i++;
        continue;
      }
      let best: PhraseHit<T> | undefined;
      let j = i;
      for (;;) {
        if (
          node.value !== undefined &&
          (node.exact === undefined || raw[j] === node.exact) &&
          (!accept || accept(node.value, i, j - i + 1))
        ) {
          best = { value: node.value, start: i, length: j - i + 1 };
        }
        j++;
        if (j >= lower.length || !node.next) break;
        const child: Node<T> | undefined = node.next.get(lower[j]!);
        if (!child) break;
        node = child;
      }
      if (best) {
        hits.push(best);
        i += best.length;
      } else i++;
    }
    return hits;
  }
}

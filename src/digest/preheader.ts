/** Mail clients show about this much of the preheader beside the subject. */
export const PREHEADER_MAX = 110;

// A first paragraph that only greets ("Hi everyone,", "Dear all", "Good morning!").
const GREETING =
  /^(hi|hello|dear|good (morning|afternoon|evening)|greetings|welcome)\b[^.!?\n]{0,40}[,!:]?$/i;

/**
 * The preheader from the intro's plain text: its first sentence after the greeting, cut at a
 * word (with "…") when longer than `max`. Empty when there is no intro text.
 */
export function preheaderOf(introText: string, max = PREHEADER_MAX): string {
  const paragraphs = introText
    .split(/\n\s*\n/)
    .map((p) => p.replace(/\s+/g, ' ').trim())
    .filter(Boolean);
  if (paragraphs.length > 1 && GREETING.test(paragraphs[0]!)) paragraphs.shift();
  let text = paragraphs.join(' ');
  // A greeting on the same line as the text: "Hi all, it has been…".
  const inline = /^(hi|hello|dear)\b[^,.!?]{0,30}[,!]\s+/i.exec(text);
  if (inline) text = text.slice(inline[0].length);
  const end = /[.!?](\s|$)/.exec(text);
  const sentence = end ? text.slice(0, end.index + 1) : text;
  if (sentence.length <= max) return sentence;
  const cut = sentence.slice(0, max);
  const space = cut.lastIndexOf(' ');
  return `${trimEndPunctuation(space > max / 2 ? cut.slice(0, space) : cut)}…`;
}

function trimEndPunctuation(text: string): string {
  let end = text.length;
  while (end > 0 && /[\s,;:–-]/.test(text[end - 1]!)) end--;
  return text.slice(0, end);
}

import { describe, expect, it } from 'vitest';
import { headlineDebris, isLinkText } from '../../src/digest/pre-send-checks.js';

describe('headlines carrying markup debris', () => {
  it.each([
    ['Councils share services" onmouseover="alert(1)', 'an event handler attribute "onmouseover="'],
    ['<b>Councils share services', 'a stray "<" or ">" "<"'],
    ['Councils share services >', 'a stray "<" or ">" ">"'],
    ['Councils share class=\\"title\\" services', 'an attribute value "=\\\\\\""'],
    ["Councils share services' title='x", 'an attribute value "=\'"'],
    ['Fire &amp; rescue services merge', 'an HTML entity left encoded "&amp;"'],
    ['Councils&#39; shared service', 'an HTML entity left encoded "&#39;"'],
    ['Trust img onerror=alert(1) shares', 'an event handler attribute "onerror="'],
  ])('%s → %s', (title, said) => {
    expect(headlineDebris(title)).toBe(said);
  });

  it.each([
    'Fire & Rescue services to share headquarters',
    'Councils "share" a chief executive',
    "Kent and Medway's councils agree 50:50 cost split",
    'One council = two services? Merger row grows',
    'Ongoing talks on shared legal services',
    'AT&T wins NHS contract',
  ])('leaves a clean headline alone: %s', (title) => {
    expect(headlineDebris(title)).toBeUndefined();
  });
});

describe("headlines that are a link's text", () => {
  it.each([
    'Read more',
    'Read more >>>',
    'Click here',
    "Read the judges' comments",
    'View the full list',
    'Find out more about the awards',
    'Continue reading…',
    'More',
    'Download the report',
  ])('flags %s', (title) => {
    expect(isLinkText(title)).toBe(true);
  });

  it.each([
    'More councils share chief executives',
    'Reading and Wokingham councils merge legal teams',
    'Readers back shared services plan',
    'Views sought on joint fire and police headquarters',
    'Watchdog warns over shared services savings',
    'Read all about how three councils in the north saved millions together',
    'Councils read the riot act to shared service provider',
  ])('leaves a headline alone: %s', (title) => {
    expect(isLinkText(title)).toBe(false);
  });
});

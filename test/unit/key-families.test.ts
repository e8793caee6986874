import { describe, expect, it } from 'vitest';
import { KEY_FAMILIES, keyFamily, keys, type KeyFamily } from '../../src/store/keys.js';

describe('key families (what `ssnews export` carries)', () => {
  it('finds the family of a name made by each key function, with awkward ids', () => {
    const k = keys('');
    const samples: [string, KeyFamily][] = [
      [k.item('a:b'), 'item'],
      [k.itemsByTime, 'itemsByTime'],
      [k.itemsBySource('lgc-news'), 'itemsBySource'],
      [k.itemAliases, 'itemAliases'],
      [k.sourceState('lgc-news'), 'sourceState'],
      [k.sourceIds, 'sourceIds'],
      [k.sourceLock('lgc-news'), 'sourceLock'],
      [k.model('v3'), 'model'],
      [k.modelCurrent, 'modelCurrent'],
      [k.issue('2014-W22'), 'issue'],
      [k.issues, 'issues'],
      [k.issuesSent, 'issuesSent'],
      [k.hostSlots('example.org:8443'), 'hostSlots'],
      [k.hostNext('example.org:8443'), 'hostNext'],
      [k.robots('https://example.org'), 'robots'],
      [k.session('abc'), 'session'],
      [k.editorSessions('ed@example.org'), 'editorSessions'],
      [k.loginFailures('address', '::1'), 'loginFailures'],
      [k.subscriber('s1'), 'subscriber'],
      [k.subscribersErased, 'subscribersErased'],
      [k.deliveryState('2014-W22'), 'deliveryState'],
      [k.deliveryRun('2014-W22'), 'deliveryRun'],
      [k.sendHour(123), 'sendHour'],
      [k.signupPending('p1'), 'signupPending'],
      [k.signupRequests('client', '::1'), 'signupRequests'],
      [`${k.bullPrefix}:fetch:42`, 'bullPrefix'],
      [`${k.importStaging('r1')}item:x`, 'importStaging'],
    ];
    for (const [name, family] of samples) expect(keyFamily(name), name).toBe(family);
    expect(keyFamily('stray')).toBeUndefined();
    expect(keyFamily('bullish')).toBeUndefined();
  });

  it('carries the data and none of the transient families', () => {
    const data = (Object.keys(KEY_FAMILIES) as KeyFamily[]).filter((f) => KEY_FAMILIES[f] === 'data');
    expect(data).toEqual(
      expect.arrayContaining(['item', 'editors', 'subscribersSalt', 'deliveryInfo', 'model']),
    );
    for (const f of [
      'session',
      'editorSessions',
      'sourceLock',
      'robots',
      'hostSlots',
      'hostNext',
      'loginFailures',
      'sendHour',
      'bullPrefix',
      'signupPending',
      'signupRequests',
    ] as const)
      expect(KEY_FAMILIES[f]).not.toBe('data');
  });
});

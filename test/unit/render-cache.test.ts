import { describe, expect, it } from 'vitest';
import { SingleFlightCache } from '../../src/web/render-cache.js';

describe('the archive page cache', () => {
  it('shares one make() among concurrent gets and keeps the result', async () => {
    const cache = new SingleFlightCache<string>(4);
    let made = 0;
    const make = async () => `page ${++made}`;
    const pages = await Promise.all([cache.get('w@1', make), cache.get('w@1', make), cache.get('w@1', make)]);
    expect(pages).toEqual(['page 1', 'page 1', 'page 1']);
    expect(await cache.get('w@1', make)).toBe('page 1');
    expect(made).toBe(1);
  });

  it('drops the least recently used entry past its bound, not everything', async () => {
    const cache = new SingleFlightCache<string>(2);
    const make = (v: string) => async () => v;
    await cache.get('a', make('a'));
    await cache.get('b', make('b'));
    await cache.get('a', make('a again')); // a is now the most recent
    await cache.get('c', make('c'));
    expect(cache.size).toBe(2);
    expect(await cache.get('a', make('a again'))).toBe('a');
    expect(await cache.get('b', make('b again'))).toBe('b again');
  });

  it('does not keep a failure: the next get tries again', async () => {
    const cache = new SingleFlightCache<string>(2);
    await expect(cache.get('a', () => Promise.reject(new Error('redis down')))).rejects.toThrow('redis down');
    await expect(cache.get('a', () => Promise.resolve('ok'))).resolves.toBe('ok');
  });
});

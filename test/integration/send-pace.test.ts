import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { DeliveryStore } from '../../src/store/deliveries.js';
import { useTestRedis } from '../helpers/redis.js';

const redis = useTestRedis();

describe('the hourly sending limit', () => {
  it('is shared by every process through Redis and starts again with the next clock hour', async () => {
    const other = new Redis(redis.server.connection);
    try {
      const a = new DeliveryStore(redis.client, 'pace:');
      const b = new DeliveryStore(other, 'pace:');
      const hour = 3_600_000;
      const at = Date.UTC(2026, 11, 3, 20, 59, 0);
      expect(await a.takeHourSlot(3, at)).toBe(0);
      expect(await b.takeHourSlot(3, at + 1)).toBe(0);
      expect(await a.takeHourSlot(3, at + 2)).toBe(0);
      // The fourth in the hour waits for the hour's end.
      expect(await b.takeHourSlot(3, at + 3)).toBe(60_000 - 3);
      // A place given back (a recipient skipped) is taken by the next.
      await a.giveBackHourSlot(at + 4);
      expect(await b.takeHourSlot(3, at + 5)).toBe(0);
      expect(await a.takeHourSlot(3, at + 6)).toBeGreaterThan(0);
      expect(await a.takeHourSlot(3, at + hour)).toBe(0);
    } finally {
      other.disconnect();
    }
  });
});

import { gunzipSync, gzipSync } from 'node:zlib';
import type { ModelData } from '../types/classifier-model.js';
import { KeyedStore } from './keys.js';

/**
 * Versioned classifier models in Redis: each version stored gzipped under its own key, a
 * pointer to the current one, and a pub/sub message when it changes so running workers swap
 * without a restart. Older versions beyond `keep` are deleted.
 */
export class ModelStore extends KeyedStore {
  async nextVersion(): Promise<string> {
    const n = await this.redis.incr(this.k.modelSeq);
    return `v${n}`;
  }

  /** Stores the model, makes it current and announces it; keeps the `keep` newest versions. */
  async save(model: ModelData, keep = 5): Promise<{ bytes: number }> {
    const k = this.k;
    const blob = gzipSync(JSON.stringify(model));
    await this.redis
      .multi()
      .set(k.model(model.version), blob)
      .set(k.modelCurrent, model.version)
      .lrem(k.modelVersions, 0, model.version)
      .lpush(k.modelVersions, model.version)
      .exec();
    const old = await this.redis.lrange(k.modelVersions, keep, -1);
    if (old.length) {
      const m = this.redis.multi();
      for (const v of old) m.del(k.model(v)).lrem(k.modelVersions, 0, v);
      await m.exec();
    }
    await this.redis.publish(k.modelChannel, model.version);
    return { bytes: blob.length };
  }

  async currentVersion(): Promise<string | undefined> {
    return (await this.redis.get(this.k.modelCurrent)) ?? undefined;
  }

  async load(version: string): Promise<ModelData | undefined> {
    const blob = await this.redis.getBuffer(this.k.model(version));
    return blob ? (JSON.parse(gunzipSync(blob).toString('utf8')) as ModelData) : undefined;
  }

  async loadCurrent(): Promise<ModelData | undefined> {
    const version = await this.currentVersion();
    return version ? this.load(version) : undefined;
  }

  /**
   * Listens for newly stored versions on a connection of its own (a subscribed client can
   * do nothing else); resolves once subscribed, with the function that stops listening.
   * Connection errors go to `onError` (the client keeps reconnecting).
   */
  async watch(
    onVersion: (version: string) => void,
    onError: (err: Error) => void,
  ): Promise<() => Promise<void>> {
    const subscriber = this.redis.duplicate();
    subscriber.on('error', onError);
    subscriber.on('message', (_channel: string, version: string) => onVersion(version));
    try {
      await subscriber.subscribe(this.k.modelChannel);
    } catch (err) {
      subscriber.disconnect();
      throw err;
    }
    return async () => {
      await subscriber.quit().catch(() => subscriber.disconnect());
    };
  }
}

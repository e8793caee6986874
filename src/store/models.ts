import { gunzipSync, gzipSync } from 'node:zlib';
import type { Redis } from 'ioredis';
import type { ModelData } from '../types/classifier-model.js';
import { keys } from './keys.js';

/**
 * Versioned classifier models in Redis: each version stored gzipped under its own key, a
 * pointer to the current one, and a pub/sub message when it changes so running workers swap
 * without a restart. Older versions beyond `keep` are deleted.
 */
export async function nextModelVersion(redis: Redis, prefix: string): Promise<string> {
  const n = await redis.incr(keys(prefix).modelSeq);
  return `v${n}`;
}

export async function storeModel(redis: Redis, prefix: string, model: ModelData, keep = 5): Promise<{ bytes: number }> {
  const k = keys(prefix);
  const blob = gzipSync(JSON.stringify(model));
  await redis.multi().set(k.model(model.version), blob).set(k.modelCurrent, model.version).lrem(k.modelVersions, 0, model.version).lpush(k.modelVersions, model.version).exec();
  const old = await redis.lrange(k.modelVersions, keep, -1);
  if (old.length) {
    const m = redis.multi();
    for (const v of old) m.del(k.model(v)).lrem(k.modelVersions, 0, v);
    await m.exec();
  }
  await redis.publish(k.modelChannel, model.version);
  return { bytes: blob.length };
}

export async function currentModelVersion(redis: Redis, prefix: string): Promise<string | undefined> {
  return (await redis.get(keys(prefix).modelCurrent)) ?? undefined;
}

export async function loadModel(redis: Redis, prefix: string, version: string): Promise<ModelData | undefined> {
  const blob = await redis.getBuffer(keys(prefix).model(version));
  return blob ? (JSON.parse(gunzipSync(blob).toString('utf8')) as ModelData) : undefined;
}

export async function loadCurrentModel(redis: Redis, prefix: string): Promise<ModelData | undefined> {
  const version = await currentModelVersion(redis, prefix);
  return version ? loadModel(redis, prefix, version) : undefined;
}

export async function listModelVersions(redis: Redis, prefix: string): Promise<string[]> {
  return redis.lrange(keys(prefix).modelVersions, 0, -1);
}

export function modelChannel(prefix: string): string {
  return keys(prefix).modelChannel;
}

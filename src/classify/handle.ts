import { EventEmitter } from 'node:events';
import type { Redis } from 'ioredis';
import { currentModelVersion, loadModel, modelChannel } from '../store/models.js';
import type { ModelData } from '../types/classifier-model.js';
import type { ClassifyInput, Classifier } from './types.js';
import type { Classification } from '../types/item.js';

/**
 * A Classifier whose model can be replaced while it runs. It listens on the model channel
 * (pub/sub) and also checks the current version every `pollMs` as a fallback (a missed
 * message, a Redis restart). Swapping is one reference assignment: classify() stays
 * synchronous and never waits. Emits 'swap' (version) and 'problem' (Error; never thrown).
 */
export class ClassifierHandle extends EventEmitter implements Classifier {
  private current: Classifier;
  private timer?: NodeJS.Timeout;
  private subscriber?: Redis;
  private checking?: Promise<void>;
  private closed = false;

  constructor(
    initial: Classifier,
    private readonly build: (model: ModelData) => Classifier,
    /** Where models are stored; without it the handle keeps its initial classifier. */
    private readonly store?: { redis: Redis; prefix: string },
  ) {
    super();
    this.current = initial;
  }

  get version(): string {
    return this.current.version;
  }

  classify(input: ClassifyInput): Classification {
    return this.current.classify(input);
  }

  /** Starts listening for new versions; resolves once subscribed. */
  async start(pollMs = 30_000): Promise<this> {
    if (!this.store) return this;
    this.subscriber = this.store.redis.duplicate();
    this.subscriber.on('error', (err: Error) => this.emit('problem', err));
    this.subscriber.on('message', (_channel: string, version: string) => void this.refresh(version));
    await this.subscriber.subscribe(modelChannel(this.store.prefix));
    this.timer = setInterval(() => void this.refresh(), pollMs);
    this.timer.unref();
    await this.refresh();
    return this;
  }

  /** Checks the stored current version and swaps to it when it differs. */
  refresh(announced?: string): Promise<void> {
    const run = async () => {
      if (!this.store || this.closed) return;
      const { redis, prefix } = this.store;
      try {
        const version = (await currentModelVersion(redis, prefix)) ?? announced;
        if (!version || version === this.current.version) return;
        const model = await loadModel(redis, prefix, version);
        if (!model) return;
        this.current = this.build(model);
        this.emit('swap', version);
      } catch (err) {
        this.emit('problem', err as Error);
      }
    };
    // One check at a time; a message arriving mid-check queues one more.
    this.checking = (this.checking ?? Promise.resolve()).then(run);
    return this.checking;
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    if (this.subscriber) await this.subscriber.quit().catch(() => this.subscriber?.disconnect());
  }
}

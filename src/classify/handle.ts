import { EventEmitter } from 'node:events';
import type { ModelStore } from '../store/model-versions.js';
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
  private unwatch?: () => Promise<void>;
  private checking?: Promise<void>;
  private closed = false;

  constructor(
    initial: Classifier,
    private readonly build: (model: ModelData) => Classifier,
    /** Where models are stored; without it the handle keeps its initial classifier. */
    private readonly models?: ModelStore,
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
    if (!this.models) return this;
    this.unwatch = await this.models.watch(
      (version) => void this.refresh(version),
      (err) => this.emit('problem', err),
    );
    this.timer = setInterval(() => void this.refresh(), pollMs);
    this.timer.unref();
    await this.refresh();
    return this;
  }

  /** Checks the stored current version and swaps to it when it differs. */
  private refresh(announced?: string): Promise<void> {
    const run = async () => {
      if (!this.models || this.closed) return;
      try {
        const version = (await this.models.currentVersion()) ?? announced;
        if (!version || version === this.current.version) return;
        const model = await this.models.load(version);
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
    await this.unwatch?.();
  }
}

import type { EventType } from './events.ts';
import { CURRENT_SCHEMA_VERSION } from './events.ts';

/**
 * Payloads are immutable once stored, so when a payload's shape changes we bump
 * `schemaVersion` and register an upcaster from the old version to the next one.
 * Reads run the chain (v1 → v2 → … → current) before validation, so every consumer
 * only ever sees the current shape. Version 1 is the first published version: the
 * registry starts empty and grows with the contract.
 */
export type Upcaster = (data: Record<string, unknown>) => Record<string, unknown>;

export class UpcasterRegistry {
  private readonly steps = new Map<string, Upcaster>();

  constructor(readonly currentVersion: number = CURRENT_SCHEMA_VERSION) {}

  /** Registers the step that turns `type` payloads of `fromVersion` into `fromVersion + 1`. */
  register(type: EventType, fromVersion: number, step: Upcaster): this {
    if (fromVersion >= this.currentVersion) {
      throw new Error(`cannot upcast ${type} from v${fromVersion}: current version is v${this.currentVersion}`);
    }
    this.steps.set(`${type}@${fromVersion}`, step);
    return this;
  }

  /**
   * Brings a payload to the current version. Throws when a step is missing or when the
   * payload is newer than this code understands (a newer producer, an older reader).
   */
  upcast(type: EventType, version: number, data: Record<string, unknown>): Record<string, unknown> {
    if (version > this.currentVersion) {
      throw new UpcastError(`${type} schemaVersion ${version} is newer than the supported ${this.currentVersion}`);
    }
    let current = data;
    for (let v = version; v < this.currentVersion; v++) {
      const step = this.steps.get(`${type}@${v}`);
      if (!step) throw new UpcastError(`no upcaster registered for ${type} from schemaVersion ${v}`);
      current = step(current);
    }
    return current;
  }
}

export class UpcastError extends Error {
  override name = 'UpcastError';
}

/** The registry the product uses. */
export const upcasters = new UpcasterRegistry();

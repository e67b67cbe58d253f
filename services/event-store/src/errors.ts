import type { ExpectedRevision } from './port.ts';

/** Base of every error the store raises on purpose; anything else is a bug or an outage. */
export class EventStoreError extends Error {
  override name = 'EventStoreError';
}

export class WrongExpectedRevisionError extends EventStoreError {
  override name = 'WrongExpectedRevisionError';
  constructor(
    readonly stream: string,
    readonly expected: ExpectedRevision,
    /** The stream's actual last revision; -1 when it does not exist. */
    readonly actual: number,
  ) {
    super(`wrong expected revision on ${stream}: expected ${String(expected)}, actual ${actual === -1 ? 'no stream' : actual}`);
  }
}

export class InvalidStreamNameError extends EventStoreError {
  override name = 'InvalidStreamNameError';
  constructor(readonly stream: string, reason: string) {
    super(`invalid stream name ${JSON.stringify(stream)}: ${reason}`);
  }
}

export class InvalidEventError extends EventStoreError {
  override name = 'InvalidEventError';
  constructor(message: string, readonly eventId?: string) {
    super(message);
  }
}

export class EmptyBatchError extends EventStoreError {
  override name = 'EmptyBatchError';
  constructor() {
    super('append needs at least one event');
  }
}

/** The same event id is already stored in a different stream. */
export class EventIdConflictError extends EventStoreError {
  override name = 'EventIdConflictError';
  constructor(readonly eventId: string, readonly existingStream: string, readonly stream: string) {
    super(`event ${eventId} is already stored in ${existingStream}, cannot append it to ${stream}`);
  }
}

export class StoreUnavailableError extends EventStoreError {
  override name = 'StoreUnavailableError';
}

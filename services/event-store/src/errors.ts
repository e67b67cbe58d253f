import type { ValidationProblem } from '@journeys/contracts';
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
  constructor(
    readonly stream: string,
    reason: string,
  ) {
    super(`invalid stream name ${JSON.stringify(stream)}: ${reason}`);
  }
}

export class InvalidEventError extends EventStoreError {
  override name = 'InvalidEventError';
  constructor(
    message: string,
    readonly eventId?: string,
    /** Every problem found, with its path (e.g. `[3].data.activity`). */
    readonly problems: ValidationProblem[] = [],
  ) {
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
  constructor(
    readonly eventId: string,
    readonly existingStream: string,
    readonly stream: string,
  ) {
    super(`event ${eventId} is already stored in ${existingStream}, cannot append it to ${stream}`);
  }
}

export class StoreUnavailableError extends EventStoreError {
  override name = 'StoreUnavailableError';
}

/** The batch is larger than the store accepts in one atomic append (EventStoreDB's max append size). */
export class BatchTooLargeError extends EventStoreError {
  override name = 'BatchTooLargeError';
  constructor(
    readonly stream: string,
    readonly limitBytes: number,
  ) {
    super(`the batch for ${stream} is larger than the store's atomic append limit of ${limitBytes} bytes: split it`);
  }
}

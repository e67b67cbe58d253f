import { headers as natsHeaders, PermissionViolationError, type MsgHdrs, type NatsConnection } from '@nats-io/transport-node';
import { JetStreamApiError } from '@nats-io/jetstream';
import type { JourneyEvent } from '@journeys/contracts';
import { BusUnavailableError, HEADER_MSG_ID, type PublishOptions, type PublishResult } from '../bus.ts';
import { encodeEvent, toBytes } from '../codec.ts';
import { pipelinedPublisher, PublishFailure } from '../pipelined.ts';

/** Publishing events and raw messages, each JetStream ack awaited (pipelined: see pipelined.ts). */
export function natsPublishing(nc: NatsConnection, defaultTimeoutMs: number) {
  const publisher = pipelinedPublisher(nc);

  const publishOne = async (subject: string, data: Uint8Array, id: string, msgId: string | undefined, extra: MsgHdrs | undefined, timeoutMs: number): Promise<PublishResult> => {
    let hdrs = extra;
    if (msgId !== undefined) {
      hdrs ??= natsHeaders();
      hdrs.set(HEADER_MSG_ID, msgId);
    }
    try {
      const ack = await publisher.publish(subject, data, hdrs, timeoutMs);
      return { id, ok: true, duplicate: ack.duplicate, seq: ack.seq };
    } catch (err) {
      return { id, ok: false, duplicate: false, error: classify(err) };
    }
  };

  return {
    async publish(events: readonly JourneyEvent[], options: PublishOptions = {}): Promise<PublishResult[]> {
      if (nc.isClosed()) throw new BusUnavailableError('the NATS connection is closed');
      const timeoutMs = options.timeoutMs ?? defaultTimeoutMs;
      return Promise.all(
        events.map((event) => {
          const { subject, msgId, data } = encodeEvent(event);
          return publishOne(subject, data, event.id, msgId, undefined, timeoutMs);
        }),
      );
    },

    async publishRaw(subject: string, payload: Uint8Array | string, options: PublishOptions & { msgId?: string; headers?: Record<string, string> } = {}): Promise<PublishResult> {
      if (nc.isClosed()) throw new BusUnavailableError('the NATS connection is closed');
      let hdrs: MsgHdrs | undefined;
      if (options.headers && Object.keys(options.headers).length > 0) {
        hdrs = natsHeaders();
        for (const [k, v] of Object.entries(options.headers)) hdrs.set(k, v);
      }
      return publishOne(subject, toBytes(payload), options.msgId ?? '', options.msgId, hdrs, options.timeoutMs ?? defaultTimeoutMs);
    },

    /** A publish refused by the server's permissions gets no JetStream reply, only an async -ERR naming the subject. */
    denied(err: PermissionViolationError) {
      publisher.denied(err);
    },

    close() {
      publisher.close();
    },
  };
}

function classify(err: unknown): { code: 'unavailable' | 'rejected'; message: string } {
  const e = err as Error;
  if (e instanceof PublishFailure) return { code: e.code, message: e.message };
  // the client may wrap the server's -ERR (a RequestError whose cause is the violation)
  for (let c: unknown = err; c instanceof Error; c = c.cause) {
    if (c instanceof PermissionViolationError || /permissions violation/i.test(c.message)) return { code: 'rejected', message: c.message };
    if (c instanceof JetStreamApiError) return { code: 'rejected', message: c.message };
  }
  // timeouts, no responders (JetStream away), closed/draining connection
  return { code: 'unavailable', message: e?.message ?? String(err) };
}

import { createInbox, PermissionViolationError, type ConnectionOptions, type MsgHdrs, type NatsConnection } from '@nats-io/transport-node';

export interface PipelinedAck {
  seq: number;
  duplicate: boolean;
}

export class PublishFailure extends Error {
  override name = 'PublishFailure';
  constructor(readonly code: 'unavailable' | 'rejected', message: string) {
    super(message);
  }
}

interface Pending {
  subject: string;
  deadline: number;
  resolve(ack: PipelinedAck): void;
  reject(err: PublishFailure): void;
}

/**
 * JetStream publishing without a request object per message. A JetStream publish is a
 * NATS request: the message goes to the stream's subject with a reply subject, and the
 * server answers with a PubAck (`{stream, seq, duplicate?}` or `{error}`). `js.publish`
 * builds a request, two Error objects (for stack traces) and a timer for each message,
 * which caps a client at ~10 000 publishes/s on our machine. Here one wildcard
 * subscription receives every ack, and one sweeper times out the overdue ones: the same
 * protocol and guarantees (the ack is awaited per message) at several times the rate.
 */
export function pipelinedPublisher(nc: NatsConnection) {
  // under the connection's own inbox prefix: a department's user may subscribe only there
  const prefix = createInbox(connectionInboxPrefix(nc));
  const pending = new Map<string, Pending>();
  let counter = 0;

  const settle = (token: string, outcome: PipelinedAck | PublishFailure) => {
    const p = pending.get(token);
    if (!p) return;
    pending.delete(token);
    if (outcome instanceof PublishFailure) p.reject(outcome);
    else p.resolve(outcome);
  };

  const sub = nc.subscribe(`${prefix}.*`, {
    callback: (err, msg) => {
      if (err) return;
      const token = msg.subject.slice(prefix.length + 1);
      // 503 status: no JetStream stream listens on the subject (or JetStream is down)
      if (msg.headers?.hasError) {
        settle(token, new PublishFailure(msg.headers.code === 503 ? 'unavailable' : 'rejected', `JetStream answered ${msg.headers.code} ${msg.headers.description}`));
        return;
      }
      try {
        const body = msg.json<{ seq?: number; duplicate?: boolean; error?: { code?: number; err_code?: number; description?: string } }>();
        if (body.error) {
          settle(token, new PublishFailure(body.error.code === 503 ? 'unavailable' : 'rejected', body.error.description ?? `JetStream error ${body.error.err_code ?? body.error.code}`));
        } else settle(token, { seq: body.seq ?? 0, duplicate: body.duplicate === true });
      } catch (e) {
        settle(token, new PublishFailure('rejected', `unreadable JetStream ack: ${(e as Error).message}`));
      }
    },
  });

  const sweeper = setInterval(() => {
    if (pending.size === 0) return;
    const now = Date.now();
    for (const [token, p] of pending) {
      if (p.deadline <= now) settle(token, new PublishFailure('unavailable', 'no JetStream ack in time (the server may be away or the message lost; retry with the same id)'));
    }
  }, 50);
  sweeper.unref();

  const failAll = (why: string) => {
    for (const token of [...pending.keys()]) settle(token, new PublishFailure('unavailable', why));
  };
  void nc.closed().then(() => {
    clearInterval(sweeper);
    failAll('the NATS connection is closed');
  });

  return {
    publish(subject: string, data: Uint8Array, headers: MsgHdrs | undefined, timeoutMs: number): Promise<PipelinedAck> {
      const token = (++counter).toString(36);
      return new Promise<PipelinedAck>((resolve, reject) => {
        pending.set(token, { subject, deadline: Date.now() + timeoutMs, resolve, reject });
        try {
          nc.publish(subject, data, { reply: `${prefix}.${token}`, ...(headers ? { headers } : {}) });
        } catch (err) {
          settle(token, new PublishFailure('unavailable', (err as Error).message));
        }
      });
    },
    /** Stops listening for acks; what still waits fails as unavailable. */
    close() {
      clearInterval(sweeper);
      if (!nc.isClosed()) sub.unsubscribe();
      failAll('the publisher is closed');
    },
    /** The server refused a publish on `subject` (permissions): fail what waits for it. */
    denied(err: PermissionViolationError) {
      for (const [token, p] of pending) if (p.subject === err.subject) settle(token, new PublishFailure('rejected', err.message));
    },
  };
}

/** The `inboxPrefix` the connection was opened with (the interface does not declare `options`). */
function connectionInboxPrefix(nc: NatsConnection): string | undefined {
  return (nc as NatsConnection & { options?: ConnectionOptions }).options?.inboxPrefix;
}

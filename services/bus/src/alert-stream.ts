import { jetstream, jetstreamManager, RetentionPolicy, StorageType } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { headers } from '@nats-io/transport-node';
import { ALERTS_STREAM, ALERTS_SUBJECTS } from '@journeys/contracts';

/**
 * Alert digests on JetStream: stream JOURNEY_ALERTS on `journey.alerts.>` (created or left as
 * it is), so a department can subscribe to `journey.alerts.<its slug>` with a durable consumer
 * and miss nothing while it is away. `Nats-Msg-Id` deduplicates a digest sent twice.
 */
export interface AlertBusPublisher {
  publish(subject: string, payload: string, msgId: string): Promise<void>;
}

export async function natsAlertPublisher(nc: NatsConnection, options: { replicas?: number; maxAgeMs?: number } = {}): Promise<AlertBusPublisher> {
  const jsm = await jetstreamManager(nc, { checkAPI: false });
  const config = {
    name: ALERTS_STREAM,
    subjects: [ALERTS_SUBJECTS],
    retention: RetentionPolicy.Limits,
    storage: StorageType.File,
    num_replicas: options.replicas ?? 1,
    max_age: (options.maxAgeMs ?? 30 * 86_400_000) * 1_000_000,
    duplicate_window: 120_000_000_000,
  };
  try {
    await jsm.streams.info(ALERTS_STREAM);
  } catch {
    await jsm.streams.add(config);
  }
  const js = jetstream(nc, { timeout: 5000 });
  return {
    async publish(subject, payload, msgId) {
      const h = headers();
      h.set('Nats-Msg-Id', msgId);
      await js.publish(subject, payload, { headers: h, msgID: msgId });
    },
  };
}

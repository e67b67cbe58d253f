import { JetStreamApiError, jetstream, jetstreamManager, RetentionPolicy, StorageType } from '@nats-io/jetstream';
import { nanos, type NatsConnection } from '@nats-io/transport-node';
import { ALERTS_STREAM, ALERTS_SUBJECTS } from '@journeys/contracts';

/**
 * Alert digests on JetStream: stream JOURNEY_ALERTS on `journey.alerts.>` (created when
 * missing, left as it is otherwise), kept 30 days for whoever holds JetStream rights (an
 * operator's consumer). A department's own NATS user may subscribe to `journey.alerts.<its
 * slug>` live (infra/nats/config.ts). `Nats-Msg-Id` deduplicates a digest published twice.
 */
export interface AlertBusPublisher {
  publish(subject: string, payload: string, msgId: string): Promise<void>;
}

export async function natsAlertPublisher(
  nc: NatsConnection,
  options: { replicas?: number; maxAgeMs?: number } = {},
): Promise<AlertBusPublisher> {
  const jsm = await jetstreamManager(nc, { checkAPI: false });
  try {
    await jsm.streams.info(ALERTS_STREAM);
  } catch (err) {
    if (!(err instanceof JetStreamApiError) || err.code !== 10059) throw err; // 10059: stream not found
    try {
      await jsm.streams.add({
        name: ALERTS_STREAM,
        subjects: [ALERTS_SUBJECTS],
        retention: RetentionPolicy.Limits,
        storage: StorageType.File,
        num_replicas: options.replicas ?? 1,
        max_age: nanos(options.maxAgeMs ?? 30 * 86_400_000),
        duplicate_window: nanos(120_000),
      });
    } catch (addErr) {
      // another process created it at the same moment
      if (!(addErr instanceof JetStreamApiError) || addErr.code !== 10058) throw addErr;
    }
  }
  const js = jetstream(nc, { timeout: 5000 });
  return {
    async publish(subject, payload, msgId) {
      await js.publish(subject, payload, { msgID: msgId });
    },
  };
}

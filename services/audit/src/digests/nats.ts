import { jetstreamManager, RetentionPolicy, StorageType } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import type { DigestRecord } from './record.ts';

export const DIGEST_SUBJECT = 'journey.audit.digests';
export const DIGEST_STREAM = 'JOURNEY_AUDIT';

/**
 * Publishes digests on JetStream (`JOURNEY_AUDIT` on `journey.audit.>`, kept without age
 * limit: it is the anchor, a few hundred bytes per digest), deduplicated by digest seq, so
 * an auditor's consumer elsewhere holds a copy the store's host cannot rewrite.
 */
export async function natsDigestPublisher(nc: NatsConnection, replicas = 1): Promise<(record: DigestRecord) => Promise<void>> {
  const jsm = await jetstreamManager(nc);
  const config = { name: DIGEST_STREAM, subjects: ['journey.audit.>'], retention: RetentionPolicy.Limits, storage: StorageType.File, num_replicas: replicas, duplicate_window: 24 * 3600 * 1e9 };
  try {
    await jsm.streams.info(DIGEST_STREAM);
  } catch {
    await jsm.streams.add(config);
  }
  const js = jsm.jetstream();
  return async (record) => {
    await js.publish(DIGEST_SUBJECT, JSON.stringify(record), { msgID: `digest-${record.seq}-${record.signature.slice(0, 16)}` });
  };
}

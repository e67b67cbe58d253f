import { nanos } from '@nats-io/transport-node';
import { DiscardPolicy, JetStreamApiError, RetentionPolicy, StorageType, type JetStreamManager, type StreamConfig } from '@nats-io/jetstream';
import { DLQ_STREAM, EVENTS_STREAM } from '@journeys/contracts';
import { streamSettings, type StreamLimits } from '../streams.ts';

/** Creates or updates `JOURNEY_EVENTS` and `JOURNEY_DLQ` (idempotent; several processes may race). */
export async function ensureStreams(manager: JetStreamManager, limits: StreamLimits = {}): Promise<void> {
  const s = streamSettings(limits);
  for (const def of [s.events, s.dlq]) {
    await upsertStream(manager, {
      name: def.name,
      subjects: def.subjects,
      retention: RetentionPolicy.Limits,
      storage: StorageType.File,
      discard: DiscardPolicy.New,
      max_age: nanos(def.maxAgeMs),
      max_bytes: def.maxBytes,
      max_msg_size: def.maxMsgSize,
      duplicate_window: nanos(def.duplicateWindowMs),
      num_replicas: def.replicas,
      allow_direct: true,
    });
  }
}

async function upsertStream(manager: JetStreamManager, config: Partial<StreamConfig> & { name: string }): Promise<void> {
  try {
    await manager.streams.info(config.name);
  } catch (err) {
    if (!(err instanceof JetStreamApiError) || err.code !== 10059) throw err; // 10059: stream not found
    try {
      await manager.streams.add(config);
      return;
    } catch (addErr) {
      // another process created it at the same moment: fall through to update
      if (!(addErr instanceof JetStreamApiError) || addErr.code !== 10058) throw addErr;
    }
  }
  const { name, storage: _storage, retention: _retention, ...update } = config;
  await manager.streams.update(name, update);
}

/**
 * What keeps the streams from doing their job: one deleted (an attacker with stream
 * rights, an operator's slip) or without a leader (a cluster that lost its quorum).
 */
export async function streamProblems(manager: JetStreamManager): Promise<string[]> {
  const problems: string[] = [];
  for (const name of [EVENTS_STREAM, DLQ_STREAM]) {
    try {
      const info = await manager.streams.info(name);
      if (info.cluster && !info.cluster.leader) problems.push(`the stream ${name} has no leader`);
    } catch (err) {
      if (err instanceof JetStreamApiError && err.code === 10059) problems.push(`the stream ${name} does not exist`);
      else problems.push(`the stream ${name} cannot be checked: ${(err as Error).message}`);
    }
  }
  return problems;
}

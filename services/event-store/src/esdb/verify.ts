import { createHash } from 'node:crypto';
import type { ChainVerification, StoredEvent } from '@journeys/contracts';
import { GENESIS_HASH, chainLink } from '../chain.ts';
import type { ReadAllOptions } from '../port.ts';
import type { Context } from './context.ts';

/**
 * The chain on EventStoreDB is per stream: concurrent writers to different streams have
 * no shared "previous event" to link to, and EventStoreDB already serialises writers per
 * stream. Each event's metadata holds `hash` = link(previous link of its stream, content).
 * verify() walks `$all` once, keeping the last link and revision of every stream, and
 * reports the first position whose link does not match or whose stream skips a revision
 * (events removed by $maxCount/$tb truncation or scavenging). It cannot see a whole
 * stream deleted, nor the last events of a stream removed (no global head exists);
 * EventStoreDB's ACLs are the guard there. `headHash` digests every link in `$all` order.
 */
export function verifyOperation(
  ctx: Context,
  readAllRecorded: (options?: ReadAllOptions) => AsyncIterable<StoredEvent>,
): (options?: { onProgress?: (checked: number) => void }) => Promise<ChainVerification> {
  return async (opts = {}) => {
    ctx.ensureOpen();
    const streams = new Map<string, { revision: number; hash: string }>();
    const digest = createHash('sha256');
    let checked = 0;
    // The links were written over the payloads as recorded: hash those, not their upcast
    // form, or every event older than the current schemaVersion would look tampered with.
    for await (const stored of readAllRecorded()) {
      const prev = streams.get(stored.stream) ?? { revision: -1, hash: GENESIS_HASH };
      const fail = (reason: string): ChainVerification => ({ ok: false, checked, brokenAt: stored.position, reason, headHash: null });
      if (stored.revision !== prev.revision + 1) {
        return fail(`${stored.stream} jumps from revision ${prev.revision} to ${stored.revision} (events removed)`);
      }
      const link = chainLink(prev.hash, stored.revision, stored.stream, stored.revision, '', stored.event, JSON.stringify(stored.event.data));
      if (link !== stored.hash) return fail(`the event at ${stored.stream}@${stored.revision} does not match its hash`);
      streams.set(stored.stream, { revision: stored.revision, hash: link });
      digest.update(link);
      checked++;
      if (checked % 5000 === 0) opts.onProgress?.(checked);
    }
    opts.onProgress?.(checked);
    return { ok: true, checked, brokenAt: null, reason: null, headHash: checked === 0 ? GENESIS_HASH : digest.digest('hex') };
  };
}

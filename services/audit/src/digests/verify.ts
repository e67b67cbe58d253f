import type { KeyObject } from 'node:crypto';
import type { EventStore } from '@journeys/event-store';
import { linkOf, signatureHolds, type DigestRecord } from './record.ts';

export interface DigestVerification {
  ok: boolean;
  /** Digests whose signature and place in the digest chain were checked. */
  digests: number;
  /** The last position a signed digest vouches for (null: no digest). */
  lastSignedPosition: number | null;
  /**
   * The first position that no longer matches a signed digest: the one after the last
   * signed position that still matches. The history from there (up to the digest that
   * failed) was edited, recomputed, renumbered or cut off.
   */
  brokenAt: number | null;
  /** The digest that failed (its seq), when one did. */
  failedDigest: number | null;
  reason: string | null;
  /** Ids of the keys that signed the digests checked. */
  keyIds: string[];
}

const fail = (base: Omit<DigestVerification, 'ok' | 'brokenAt' | 'failedDigest' | 'reason'>, brokenAt: number | null, failedDigest: number | null, reason: string): DigestVerification => ({
  ...base,
  ok: false,
  brokenAt,
  failedDigest,
  reason,
});

/**
 * Checks the store against signed digests: each digest's signature (with the keys given:
 * the current and rotated-out public keys), the digests' own chain, and that the store
 * still holds, at each signed position, the link the digest signed. A tail cut off and the
 * head record fixed, an edited event with every later link recomputed, a journey erased and
 * the rest renumbered: each leaves the store's own chain consistent, and each fails here.
 */
export async function verifyAgainstDigests(store: EventStore, digests: readonly DigestRecord[], keys: ReadonlyMap<string, KeyObject>): Promise<DigestVerification> {
  const keyIds = [...new Set(digests.map((d) => d.keyId))];
  const base = { digests: digests.length, lastSignedPosition: digests.at(-1)?.position ?? null, keyIds };
  for (let i = 0; i < digests.length; i++) {
    const d = digests[i]!;
    const before = digests[i - 1];
    if (!keys.has(d.keyId)) return fail(base, null, d.seq, `digest ${d.seq} was signed with key ${d.keyId}, which is not among the public keys given`);
    if (!signatureHolds(d, keys)) return fail(base, null, d.seq, `digest ${d.seq}'s signature does not verify: the digest was altered or forged`);
    if (d.seq !== i || d.previous !== linkOf(before)) return fail(base, null, d.seq, `digest ${d.seq} does not follow digest ${i - 1}: digests were removed, reordered or replaced`);
    if (before && d.position < before.position) return fail(base, null, d.seq, `digest ${d.seq} signs position ${d.position}, before digest ${before.seq}'s ${before.position}`);
  }
  if (digests.length === 0) return { ...base, ok: true, brokenAt: null, failedDigest: null, reason: null };

  let k = 0;
  let lastMatched = 0;
  let lastSeen = 0;
  for await (const stored of store.readAll()) {
    while (k < digests.length && digests[k]!.position < stored.position) {
      const d = digests[k]!;
      return fail(base, lastMatched + 1, d.seq, `digest ${d.seq} signed position ${d.position}, which the store no longer has (renumbered or removed); the history after position ${lastMatched} no longer matches`);
    }
    lastSeen = stored.position;
    while (k < digests.length && digests[k]!.position === stored.position) {
      const d = digests[k]!;
      if (stored.hash !== d.headHash) {
        return fail(base, lastMatched + 1, d.seq, `the link at position ${d.position} is not the one digest ${d.seq} signed (${d.signedAt}): events after position ${lastMatched} were edited or recomputed`);
      }
      lastMatched = stored.position;
      k++;
    }
    if (k === digests.length) break;
  }
  if (k < digests.length) {
    const d = digests[k]!;
    // Not lastSeen + 1: what lies between the last matching digest and the end is vouched for
    // by nothing, and a journey erased with the rest renumbered into fewer positions ends the
    // same way as a cut tail does.
    return fail(
      base,
      lastMatched + 1,
      d.seq,
      `the store ends at position ${lastSeen}, but digest ${d.seq} (${d.signedAt}) signed events up to position ${d.position}: the tail was cut off (or the history after position ${lastMatched} renumbered); nothing after position ${lastMatched} is vouched for`,
    );
  }
  return { ...base, ok: true, brokenAt: null, failedDigest: null, reason: null };
}

export interface TailCheck {
  ok: boolean;
  reason: string | null;
}

/**
 * The start-up check: does the store still hold, at the last signed position, the link
 * that was signed? One read; a server refuses to start when it does not (unless told to).
 */
export async function checkTail(store: EventStore, last: DigestRecord | undefined): Promise<TailCheck> {
  if (!last) return { ok: true, reason: null };
  // The event at exactly that position (positions are opaque: never position − 1).
  const found = await store.eventAt(last.position);
  if (!found) {
    const head = await store.headPosition();
    return { ok: false, reason: `the last signed digest (${last.signedAt}) vouches for events up to position ${last.position}, but the store ${head < last.position ? `ends at position ${head}: its tail was cut off` : 'no longer has that position: it was renumbered'}` };
  }
  if (found.hash !== last.headHash) {
    return { ok: false, reason: `the link at position ${last.position} is not the one signed at ${last.signedAt}: the history up to there was edited or recomputed` };
  }
  return { ok: true, reason: null };
}

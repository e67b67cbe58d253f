import { headers as natsHeaders } from '@nats-io/transport-node';
import { JetStreamApiError, type JetStreamClient, type JetStreamManager, type StoredMsg } from '@nats-io/jetstream';
import { DLQ_STREAM, DLQ_SUBJECT_PREFIX, dlqSubject } from '@journeys/contracts';
import { HEADER_DLQ_REASON, HEADER_DLQ_SUBJECT, type DeadLetter, type DeadLetterInput } from '../bus.ts';
import { buildDeadLetter, erasedLetter, isPendingReplay, mentionsOf, slugFilter, type DeadLetterBody } from './build.ts';
import type { DeadLetterPage, DeadLetterQuery, DeadLetterStore, ReplayRecord } from './port.ts';

/**
 * Re-drive outcomes live in the same stream, one subject per letter; `_` cannot start a
 * department slug, so these never mix with `journey.dlq.<slug>`.
 */
const replayedSubject = (dlqSeq: number) => `${DLQ_SUBJECT_PREFIX}._replayed.${dlqSeq}`;
const LETTERS = `${DLQ_SUBJECT_PREFIX}.*`;

/** Dead letters in `JOURNEY_DLQ` (file storage, replicated with the cluster, 90 days). */
export function natsDeadLetters(js: JetStreamClient, manager: () => Promise<JetStreamManager>, options: { timeoutMs?: number } = {}): DeadLetterStore {
  const timeout = options.timeoutMs ?? 5000;
  const decoder = new TextDecoder();

  /** The next stored message on `subject` at or after `seq`; null when there is none. */
  const next = async (seq: number, subject: string): Promise<StoredMsg | null> => {
    const jsm = await manager();
    try {
      return await jsm.direct.getMessage(DLQ_STREAM, { seq, next_by_subj: subject });
    } catch (err) {
      if (err instanceof JetStreamApiError && err.code === 404) return null;
      if (/no message found|404/i.test((err as Error).message)) return null;
      throw err;
    }
  };

  const replayRecord = async (dlqSeq: number): Promise<ReplayRecord | undefined> => {
    const jsm = await manager();
    try {
      const m = await jsm.direct.getMessage(DLQ_STREAM, { last_by_subj: replayedSubject(dlqSeq) });
      return m ? (JSON.parse(decoder.decode(m.data)) as ReplayRecord) : undefined;
    } catch (err) {
      if ((err instanceof JetStreamApiError && err.code === 404) || /no message found|404/i.test((err as Error).message)) return undefined;
      throw err;
    }
  };

  return {
    async put(letter: DeadLetterInput, putOptions = {}) {
      const body = buildDeadLetter(letter);
      const hdrs = natsHeaders();
      hdrs.set(HEADER_DLQ_REASON, body.reason);
      hdrs.set(HEADER_DLQ_SUBJECT, body.subject);
      await js.publish(dlqSubject(body.departmentSlug === 'unknown' ? undefined : body.departmentSlug), JSON.stringify(body), {
        headers: hdrs,
        ...(putOptions.dedupeKey !== undefined ? { msgID: putOptions.dedupeKey } : {}),
        timeout,
      });
    },

    async list(query: DeadLetterQuery = {}): Promise<DeadLetterPage> {
      const limit = query.limit ?? 100;
      const slug = slugFilter(query.department);
      const subject = slug !== undefined ? dlqSubject(slug) : LETTERS;
      const letters: DeadLetter[] = [];
      for (let seq = (query.after ?? 0) + 1; ; ) {
        const m = await next(seq, subject);
        if (!m) return { letters, next: null };
        seq = m.seq + 1;
        const body = JSON.parse(decoder.decode(m.data)) as DeadLetterBody;
        if (query.reason !== undefined && body.reason !== query.reason) continue;
        const replayed = await replayRecord(m.seq);
        const letter: DeadLetter = { ...body, problems: body.problems ?? [], dlqSubject: m.subject, dlqSeq: m.seq, ...(replayed ? { replayed } : {}) };
        if (query.pendingOnly && !isPendingReplay(letter)) continue;
        if (letters.length === limit) return { letters, next: letters.at(-1)!.dlqSeq };
        letters.push(letter);
      }
    },

    async erase(erased, now = new Date()) {
      // A JetStream message cannot be edited: the scrubbed letter is published on the same
      // subject first, then the original deleted with erasure (its bytes overwritten on disk)
      // with its re-drive records. A crash in between leaves the original to the next erase;
      // the msg id keeps that from publishing a second scrubbed copy.
      const jsm = await manager();
      const mentions = mentionsOf(erased);
      let n = 0;
      for (let seq = 1; ; ) {
        const m = await next(seq, LETTERS);
        if (!m) return n;
        seq = m.seq + 1;
        const body = JSON.parse(decoder.decode(m.data)) as DeadLetterBody & { erasedAt?: string };
        if (body.erasedAt !== undefined || !mentions(body)) continue;
        const hdrs = natsHeaders();
        hdrs.set(HEADER_DLQ_REASON, body.reason);
        hdrs.set(HEADER_DLQ_SUBJECT, body.subject);
        await js.publish(m.subject, JSON.stringify(erasedLetter(body, now)), { headers: hdrs, msgID: `erased-${m.seq}`, timeout });
        await jsm.streams.deleteMessage(DLQ_STREAM, m.seq, true);
        // Its re-drive records too (a refusal's detail may quote the payload), erased one by one:
        // a purge frees them without overwriting their bytes.
        for (let r = await next(1, replayedSubject(m.seq)); r; r = await next(r.seq + 1, replayedSubject(m.seq))) {
          await jsm.streams.deleteMessage(DLQ_STREAM, r.seq, true);
        }
        n++;
      }
    },

    async markReplayed(dlqSeq: number, record: ReplayRecord) {
      await js.publish(replayedSubject(dlqSeq), JSON.stringify(record), { timeout });
    },

    async problems() {
      try {
        await (await manager()).streams.info(DLQ_STREAM);
        return [];
      } catch (err) {
        if (err instanceof JetStreamApiError && err.code === 10059) return [`the dead-letter stream ${DLQ_STREAM} does not exist`];
        return [`the dead-letter stream ${DLQ_STREAM} cannot be checked: ${(err as Error).message}`];
      }
    },
    describe: () => `JetStream stream ${DLQ_STREAM}`,
    async close() {},
  };
}

import { dlqSubject } from '@journeys/contracts';
import type { DeadLetter, DeadLetterInput } from '../bus.ts';
import { buildDeadLetter, erasedLetter, isPendingReplay, mentionsOf, slugFilter } from './build.ts';
import type { DeadLetterPage, DeadLetterQuery, DeadLetterStore, ReplayRecord } from './port.ts';

/**
 * Dead letters in memory: for unit tests of an in-process bus only. `journey serve` never
 * uses it (its in-process bus keeps them in the store's file: `openSqliteDeadLetters`).
 */
export function memoryDeadLetters(): DeadLetterStore {
  const letters: DeadLetter[] = [];
  const keys = new Set<string>();
  return {
    put(letter: DeadLetterInput, options: { dedupeKey?: string } = {}) {
      if (options.dedupeKey !== undefined) {
        if (keys.has(options.dedupeKey)) return Promise.resolve();
        keys.add(options.dedupeKey);
      }
      const body = buildDeadLetter(letter);
      letters.push({ ...body, dlqSubject: dlqSubject(body.departmentSlug === 'unknown' ? undefined : body.departmentSlug), dlqSeq: letters.length + 1 });
      return Promise.resolve();
    },
    list(query: DeadLetterQuery = {}): Promise<DeadLetterPage> {
      const limit = query.limit ?? 100;
      const slug = slugFilter(query.department);
      const out: DeadLetter[] = [];
      for (const l of letters) {
        if (l.dlqSeq <= (query.after ?? 0)) continue;
        if (slug !== undefined && l.departmentSlug !== slug) continue;
        if (query.reason !== undefined && l.reason !== query.reason) continue;
        if (query.pendingOnly && !isPendingReplay(l)) continue;
        if (out.length === limit) return Promise.resolve({ letters: out, next: out.at(-1)!.dlqSeq });
        out.push({ ...l });
      }
      return Promise.resolve({ letters: out, next: null });
    },
    erase(erased, now = new Date()) {
      const mentions = mentionsOf(erased);
      let n = 0;
      letters.forEach((l, i) => {
        if (l.erasedAt !== undefined || !mentions(l)) return;
        letters[i] = erasedLetter(l, now);
        n++;
      });
      return Promise.resolve(n);
    },
    markReplayed(dlqSeq: number, record: ReplayRecord) {
      const l = letters[dlqSeq - 1];
      if (l) l.replayed = record;
      return Promise.resolve();
    },
    problems: () => Promise.resolve([]),
    describe: () => 'in memory (tests only)',
    close: () => Promise.resolve(),
  };
}

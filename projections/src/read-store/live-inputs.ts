import type Database from 'better-sqlite3';
import type { Clock } from '@journeys/contracts';
import type { AlertInputs, OpenJourney, PairDelayStats, WaitingHandoff } from '../alerts/inputs.ts';
import type { EstimateStats, WeightedSamples } from '../estimate/estimate.ts';
import { mostCommonSuffix } from '../estimate/estimate.ts';
import type { CellReader } from './cells.ts';
import { Kind } from './contributions.ts';
import { statsOf } from './distribution.ts';
import type { Names } from './names.ts';
import { NO_NAME } from './schema.ts';
import { samplesOfHistogram } from './weighted.ts';

/**
 * The live alerts' and the estimates' inputs, from the read store's rows and cells: the
 * learned p90 per pair is one all-time cell per pair, what is waiting is the `waiting` and
 * open-journey rows (as many as the work in progress), and the estimate samples are one
 * all-time cell per (type, stage). Nothing here reads the history.
 *
 * `memo` caches per checkpoint: answers change only when a batch is applied.
 */
export function readStoreAlertInputs(
  db: Database.Database,
  reader: CellReader,
  names: Names,
  clock: Clock,
  memo: <T>(key: string, compute: () => T) => T,
): AlertInputs {
  // Paged, and each page read whole before its rows are handed out: the live evaluation
  // lets requests run between slices, and the connection cannot serve them while a
  // statement is still being iterated.
  const waitingPage = db.prepare(
    'SELECT rowid AS r, journey_id, jt, from_dept, to_dept, requested_at FROM waiting WHERE rowid > ? ORDER BY rowid LIMIT ?',
  );
  const openFirst = db.prepare(
    `SELECT journey_id, jt, state, cur_dept, started_at, promised_by, last_contact_at FROM journeys
     WHERE state = @state ORDER BY started_at DESC, journey_id LIMIT @limit`,
  );
  // Keyset on the journeys_open index (state, started_at DESC, journey_id).
  const openNext = db.prepare(
    `SELECT journey_id, jt, state, cur_dept, started_at, promised_by, last_contact_at FROM journeys
     WHERE state = @state AND (started_at < @t OR (started_at = @t AND journey_id > @j)) ORDER BY started_at DESC, journey_id LIMIT @limit`,
  );
  const typeName = (jt: number): string | null => (jt === NO_NAME ? null : names.name(jt));
  return {
    clock,
    pairDelays(): PairDelayStats[] {
      return memo(`alert-pairs|${clock}`, () => {
        const kind = clock === 'business' ? Kind.businessHandoff : Kind.handoff;
        const out: PairDelayStats[] = [];
        for (const m of reader.merged({ kind }).values()) {
          if (m.dist === null || m.dist.n === 0) continue;
          out.push({ from: names.name(m.a), to: names.name(m.b), count: m.dist.n, p90Seconds: statsOf(m.dist).p90 });
        }
        return out;
      });
    },
    *waitingHandoffs(): Iterable<WaitingHandoff> {
      type Row = { r: number; journey_id: string; jt: number; from_dept: number; to_dept: number; requested_at: number };
      for (let after = 0; ; ) {
        const rows = waitingPage.all(after, PAGE) as Row[];
        for (const r of rows) {
          yield { journeyId: r.journey_id, journeyType: typeName(r.jt), from: names.name(r.from_dept), to: names.name(r.to_dept), requestedAt: r.requested_at };
        }
        if (rows.length < PAGE) return;
        after = rows[rows.length - 1]!.r;
      }
    },
    *openJourneys(): Iterable<OpenJourney> {
      type Row = { journey_id: string; jt: number; state: number; cur_dept: number | null; started_at: number; promised_by: number | null; last_contact_at: number };
      // 0: open, 1: open and waiting on the customer (journey-rows.ts).
      for (const state of [0, 1]) {
        let rows = openFirst.all({ state, limit: PAGE }) as Row[];
        for (;;) {
          for (const r of rows) {
            yield {
              journeyId: r.journey_id,
              journeyType: typeName(r.jt),
              department: r.cur_dept === null ? null : names.name(r.cur_dept),
              startedAt: r.started_at,
              promisedBy: r.promised_by,
              lastContactAt: r.last_contact_at,
              customerWaitOpen: r.state === 1,
            };
          }
          if (rows.length < PAGE) break;
          const last = rows[rows.length - 1]!;
          rows = openNext.all({ state, t: last.started_at, j: last.journey_id, limit: PAGE }) as Row[];
        }
      }
    },
  };
}

/** Rows per page of the live inputs: small enough that one page is well under a slice. */
const PAGE = 1000;

export function readStoreEstimateStats(reader: CellReader, names: Names, clock: Clock, memo: <T>(key: string, compute: () => T) => T): EstimateStats {
  const typeId = (t: string | null): number | undefined => names.find(t ?? '');
  const histogram = (kind: typeof Kind.remaining | typeof Kind.lead, jt: number, a: number): WeightedSamples | undefined => {
    const m = reader.weighted({ kind, jt, a });
    const cell = m.get(`${a},${NO_NAME}`);
    return cell && cell.hist.size > 0 ? samplesOfHistogram(cell.hist) : undefined;
  };
  return {
    clock,
    stageRemaining(journeyType, stage) {
      const jt = typeId(journeyType);
      const a = names.find(stage);
      if (jt === undefined || a === undefined) return undefined;
      return memo(`est-rem|${jt}|${a}`, () => histogram(Kind.remaining, jt, a));
    },
    leadTimes(journeyType) {
      const jt = typeId(journeyType);
      if (jt === undefined) return undefined;
      return memo(`est-lead|${jt}`, () => histogram(Kind.lead, jt, NO_NAME));
    },
    stagesAhead(journeyType, stage) {
      const jt = typeId(journeyType);
      const a = names.find(stage);
      if (jt === undefined || a === undefined) return [];
      return memo(`est-ahead|${jt}|${a}`, () => {
        const counts: [string, number][] = [];
        for (const m of reader.merged({ kind: Kind.ahead, jt, a }).values()) counts.push([names.name(m.b), m.n]);
        return counts.length === 0 ? [] : mostCommonSuffix(counts);
      });
    },
  };
}

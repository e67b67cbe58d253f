import type Database from 'better-sqlite3';
import type { CalendarSet } from '../calendar/calendar-set.ts';
import type { JourneyFacts } from '../journey-fold.ts';
import { foldJourney } from '../journey-fold.ts';
import type { ProjectedEvent } from '../projected-event.ts';
import { insertEvent } from '../projected-event.ts';
import type { CellStore } from './cells.ts';
import type { CellDelta, Contributions } from './contributions.ts';
import { contributionsOf, diffContributions } from './contributions.ts';
import { decodeEvents, encodeEvents } from './event-codec.ts';
import { handoffPairsOf, hereRowsOf, riskFromOf, spanOf, stateCode, variantOf, waitingHandoffsOf } from './journey-rows.ts';
import type { Names } from './names.ts';

/**
 * Applies a batch of projected events to the rows, inside one transaction with the
 * checkpoint: every journey the batch touches is refolded from its stored events plus
 * the new ones, its rows replaced, and the difference of its contributions applied to
 * the aggregate cells. A batch applied twice finds nothing new and changes nothing.
 */
export interface Writer {
  /**
   * Returns the journeys this call changed, and whether another process had written since
   * this one's last batch (then journeys of the batch may have changed without this call).
   */
  apply(
    byJourney: Map<string, ProjectedEvent[]>,
    checkpoint: { position: number; newestAt: number },
    options?: { replace?: boolean },
  ): { changed: string[]; foreign: boolean };
}

interface Row {
  jid: number;
  events: string;
  started_at: number;
}

export function createWriter(
  db: Database.Database,
  names: Names,
  cells: CellStore,
  options: { changeLog: boolean; calendars?: CalendarSet | undefined },
): Writer {
  const calendars = options.calendars?.configured ? options.calendars : undefined;
  const foldOptions = calendars ? { calendars } : {};
  const getRow = db.prepare('SELECT jid, events, started_at FROM journeys WHERE journey_id = ?');
  const insertRow = db.prepare(
    `INSERT INTO journeys (journey_id, jt, state, started_at, last_event_at, completed_at, promised_by, event_count, cur_dept, last_contact_at, events)
     VALUES (@journeyId, @jt, @state, @startedAt, @lastEventAt, @completedAt, @promisedBy, @eventCount, @curDept, @lastContactAt, @events)`,
  );
  const updateRow = db.prepare(
    `UPDATE journeys SET jt = @jt, state = @state, started_at = @startedAt, last_event_at = @lastEventAt, completed_at = @completedAt,
       promised_by = @promisedBy, event_count = @eventCount, cur_dept = @curDept, last_contact_at = @lastContactAt, events = @events WHERE jid = @jid`,
  );
  const delDept = db.prepare('DELETE FROM journey_departments WHERE dept = ? AND started_at = ? AND journey_id = ?');
  const addDept = db.prepare('INSERT OR IGNORE INTO journey_departments (dept, started_at, journey_id) VALUES (?, ?, ?)');
  const delVariant = db.prepare('DELETE FROM journey_variants WHERE variant = ? AND started_at = ? AND journey_id = ?');
  const addVariant = db.prepare('INSERT OR IGNORE INTO journey_variants (variant, started_at, journey_id) VALUES (?, ?, ?)');
  const delHandoff = db.prepare('DELETE FROM journey_handoffs WHERE from_dept = ? AND to_dept = ? AND started_at = ? AND journey_id = ?');
  const addHandoff = db.prepare('INSERT OR IGNORE INTO journey_handoffs (from_dept, to_dept, started_at, journey_id) VALUES (?, ?, ?, ?)');
  /** A journey's rows of journey_handoffs: each pair, and each end alone (0: any department). */
  const handoffRows = (f: JourneyFacts): [number, number][] => {
    const rows = new Map<string, [number, number]>();
    for (const [from, to] of handoffPairsOf(f)) {
      const a = names.id(from);
      const b = names.id(to);
      for (const r of [[a, b], [a, 0], [0, b]] as [number, number][]) rows.set(`${r[0]},${r[1]}`, r);
    }
    return [...rows.values()];
  };
  const delHere = db.prepare('DELETE FROM here WHERE journey_id = ?');
  const addHere = db.prepare('INSERT INTO here (journey_id, dept, kind, since, jt, started_at, promised_by, risk_from) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
  const delWaiting = db.prepare('DELETE FROM waiting WHERE journey_id = ?');
  const addWaiting = db.prepare('INSERT INTO waiting (journey_id, jt, from_dept, to_dept, requested_at) VALUES (?, ?, ?, ?, ?)');
  const putSpan = db.prepare('INSERT OR REPLACE INTO journey_spans (jid, t0, t1) VALUES (?, ?, ?)');
  const putMeta = db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value');
  const addChange = db.prepare('INSERT INTO changes (journey_id, position) VALUES (?, ?)');
  const getGeneration = db.prepare("SELECT value FROM meta WHERE key = 'generation'");
  const getMeta = db.prepare('SELECT value FROM meta WHERE key = ?');
  let generation = -1;

  const applyTx = db.transaction((byJourney: Map<string, ProjectedEvent[]>, checkpoint: { position: number; newestAt: number }, replace: boolean): { changed: string[]; foreign: boolean } => {
    // Another process may have written since our last batch (processes sharing one read
    // store): then the parsed cells we keep are stale.
    const current = Number((getGeneration.get() as { value: string } | undefined)?.value ?? 0);
    const foreign = generation !== -1 && current !== generation;
    if (current !== generation) {
      cells.clearCache();
      names.reload(db);
    }
    const changed: string[] = [];
    const deltas: { jt: number; delta: CellDelta }[] = [];
    for (const [journeyId, incoming] of byJourney) {
      const row = getRow.get(journeyId) as Row | undefined;
      const events = row ? decodeEvents(row.events, names) : [];
      let oldFacts: JourneyFacts | null = null;
      let oldContrib: Contributions | null = null;
      if (row && events.length > 0) {
        oldFacts = foldJourney(journeyId, events, foldOptions);
        oldContrib = contributionsOf(oldFacts, events, calendars);
      }
      let touched = false;
      if (replace) {
        // The journey's events as the store now gives them (personal data erased): the
        // row is rewritten from them alone, so no copy of an erased field survives here.
        const before = row?.events;
        events.length = 0;
        for (const e of incoming) insertEvent(events, e);
        touched = before !== encodeEvents(events, names);
      } else for (const e of incoming) if (insertEvent(events, e) !== 'unchanged') touched = true;
      if (!touched) continue;
      const facts = foldJourney(journeyId, events, foldOptions);
      const contrib = contributionsOf(facts, events, calendars);
      const oldJt = oldFacts ? names.id(oldFacts.journeyType) : null;
      const jt = names.id(facts.journeyType);
      if (oldJt !== null && oldJt !== jt) {
        // The journey type arrived late: its old contributions leave the old type's cells.
        for (const d of diffContributions(oldContrib, new Map())) deltas.push({ jt: oldJt, delta: d });
        for (const d of diffContributions(null, contrib)) deltas.push({ jt, delta: d });
      } else for (const d of diffContributions(oldContrib, contrib)) deltas.push({ jt, delta: d });

      const values = {
        journeyId,
        jt,
        state: stateCode(facts),
        startedAt: facts.startedAt,
        lastEventAt: facts.lastEventAt,
        completedAt: facts.completedAt,
        promisedBy: facts.promisedBy,
        eventCount: facts.eventCount,
        curDept: facts.currentDepartment === null ? null : names.id(facts.currentDepartment),
        lastContactAt: facts.lastNotifiedAt ?? facts.startedAt,
        events: encodeEvents(events, names),
      };
      let jid: number;
      if (row) {
        jid = row.jid;
        updateRow.run({ ...values, jid });
        delHere.run(journeyId);
        delWaiting.run(journeyId);
        if (oldFacts) {
          for (const d of oldFacts.departments) delDept.run(names.id(d), row.started_at, journeyId);
          // The map's rows usually stay as they were: only those that went are deleted (the
          // inserts below skip the ones already there), so a batch rewrites few index pages.
          const moved = row.started_at !== facts.startedAt;
          const variant = variantOf(oldFacts);
          if (moved || variant !== variantOf(facts)) delVariant.run(variant, row.started_at, journeyId);
          const keep = moved ? new Set<string>() : new Set(handoffRows(facts).map(([a, b]) => `${a},${b}`));
          for (const [a, b] of handoffRows(oldFacts)) if (!keep.has(`${a},${b}`)) delHandoff.run(a, b, row.started_at, journeyId);
        }
      } else jid = Number(insertRow.run(values).lastInsertRowid);
      for (const d of facts.departments) addDept.run(names.id(d), facts.startedAt, journeyId);
      addVariant.run(variantOf(facts), facts.startedAt, journeyId);
      for (const [a, b] of handoffRows(facts)) addHandoff.run(a, b, facts.startedAt, journeyId);
      const riskFrom = facts.promisedBy === null ? null : riskFromOf(facts);
      for (const h of hereRowsOf(facts)) addHere.run(journeyId, names.id(h.department), h.kind, h.since, jt, facts.startedAt, facts.promisedBy, riskFrom);
      for (const w of waitingHandoffsOf(facts)) addWaiting.run(journeyId, jt, names.id(w.from), names.id(w.to), w.requestedAt);
      const [t0, t1] = spanOf(facts);
      putSpan.run(jid, t0, t1);
      if (options.changeLog) addChange.run(journeyId, String(checkpoint.position));
      changed.push(journeyId);
    }
    cells.apply(deltas);
    // Never backwards: another process sharing the file may have gone further.
    const stored = getMeta.get('position') as { value: string } | undefined;
    const storedNewest = getMeta.get('newestAt') as { value: string } | undefined;
    putMeta.run('position', JSON.stringify(Math.max(checkpoint.position, stored ? Number(JSON.parse(stored.value)) : 0)));
    putMeta.run('newestAt', JSON.stringify(Math.max(checkpoint.newestAt, storedNewest ? Number(JSON.parse(storedNewest.value)) : -1e15)));
    generation = current + 1;
    putMeta.run('generation', JSON.stringify(generation));
    return { changed, foreign };
  });

  return {
    apply(byJourney, checkpoint, opts = {}) {
      try {
        // IMMEDIATE: the rows read to compute the deltas cannot change under us.
        return applyTx.immediate(byJourney, checkpoint, opts.replace ?? false);
      } catch (err) {
        // Ids handed out inside the rolled-back transaction no longer exist.
        names.reload(db);
        cells.clearCache();
        generation = -1;
        throw err;
      }
    },
  };
}

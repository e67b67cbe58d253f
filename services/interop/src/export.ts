import { JOURNEY_STREAM_PREFIX, UNASSIGNED_DEPARTMENT, journeyStreamName, type JourneyEvent } from '@journeys/contracts';
import type { EventFilter, EventStore } from '@journeys/event-store';
import { stringify } from 'csv-stringify/sync';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { canonicalLifecycle } from './mapping.ts';
import { ocelCollector } from './ocel-writer.ts';
import { neutraliseCell } from './csv-safety.ts';
import {
  ATTRIBUTES_KEY,
  CAUSATION_KEY,
  CORRELATION_KEY,
  DATA_KEY,
  DEFAULT_COLUMNS,
  ID_KEY,
  OCCURRED_AT_KEY,
  OUTCOME_KEY,
  SCHEMA_VERSION_KEY,
  TYPE_KEY,
  utcMillis,
} from './row.ts';
import { XES_FOOTER, XES_HEADER, XES_TRACE_CLOSE, needsRecordedInstant, xesEvent, xesTraceOpen } from './xes-writer.ts';

export const EXPORT_FORMATS = ['jsonl', 'xes', 'csv', 'ocel'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export interface ExportOptions {
  format: ExportFormat;
  /** Only this journey. */
  journeyId?: string;
  /** occurredAt bounds, ISO-8601 with offset: from inclusive, to exclusive. */
  from?: string;
  to?: string;
  onProgress?: (events: number) => void;
  /**
   * Business ms of a department's calendar in [t0, t1) (JOURNEY_CALENDARS). Given, each XES
   * event carries the seconds since its trace's previous event, elapsed and in its own
   * department's open hours (for a change of department: the receiver's, as business_time.py counts it).
   */
  businessMs?: (department: string, t0: number, t1: number) => number;
}

export interface ExportResult {
  events: number;
  journeys: number;
}

/** The CSV columns: XES names, so pm4py and Disco read the file as it is. */
export const CSV_EXPORT_COLUMNS = [
  DEFAULT_COLUMNS.case,
  DEFAULT_COLUMNS.activity,
  DEFAULT_COLUMNS.timestamp,
  DEFAULT_COLUMNS.group,
  DEFAULT_COLUMNS.resource,
  DEFAULT_COLUMNS.lifecycle,
  ID_KEY,
  TYPE_KEY,
  OUTCOME_KEY,
  DATA_KEY,
  ATTRIBUTES_KEY,
  OCCURRED_AT_KEY,
  CORRELATION_KEY,
  CAUSATION_KEY,
  SCHEMA_VERSION_KEY,
] as const;

/** Every field quoted and formula-leading cells neutralised (csv-safety.ts), as OWASP recommends. */
const csv = (rows: string[][]): string => stringify(rows.map((row) => row.map(neutraliseCell)), { quoted: true });

async function write(out: Writable, chunk: string): Promise<void> {
  if (!out.write(chunk)) await once(out, 'drain');
}

/**
 * Streams the store's journeys to `out` as JSON Lines (our envelope, lossless), CSV or XES.
 * JSONL and CSV follow the global order in one pass. XES needs each journey's events
 * together, so it makes a first pass for the journey ids (memory: one id per journey) and
 * then reads journey by journey; those three re-import to the same events. OCEL 2.0 JSON
 * streams the `events` array in global order and writes the objects and types after it
 * (memory: one entry per journey and department).
 */
export async function exportLog(store: EventStore, out: Writable, options: ExportOptions): Promise<ExportResult> {
  const filter: EventFilter = {
    streamPrefix: JOURNEY_STREAM_PREFIX,
    ...(options.journeyId !== undefined ? { journeyId: options.journeyId } : {}),
    ...(options.from !== undefined ? { occurredFrom: options.from } : {}),
    ...(options.to !== undefined ? { occurredTo: options.to } : {}),
  };
  let events = 0;
  const journeys = new Set<string>();
  const tick = () => {
    events++;
    if (events % 5000 === 0) options.onProgress?.(events);
  };

  if (options.format === 'jsonl') {
    for await (const stored of store.readAll({ filter })) {
      journeys.add(stored.event.journeyId);
      await write(out, `${JSON.stringify(stored.event)}\n`);
      tick();
    }
  } else if (options.format === 'csv') {
    await write(out, csv([[...CSV_EXPORT_COLUMNS]]));
    let rows: string[][] = [];
    for await (const stored of store.readAll({ filter })) {
      journeys.add(stored.event.journeyId);
      rows.push(csvRow(stored.event));
      tick();
      if (rows.length >= 1000) {
        await write(out, csv(rows));
        rows = [];
      }
    }
    if (rows.length > 0) await write(out, csv(rows));
  } else if (options.format === 'ocel') {
    const ocel = ocelCollector();
    // Key order means nothing in JSON: the events go first so they can stream.
    await write(out, '{"events":[');
    let separator = '\n';
    for await (const stored of store.readAll({ filter })) {
      await write(out, separator + JSON.stringify(ocel.event(stored.event)));
      separator = ',\n';
      tick();
    }
    await write(out, '\n],"objects":[');
    separator = '\n';
    for (const object of ocel.objects()) {
      await write(out, separator + JSON.stringify(object));
      separator = ',\n';
    }
    await write(out, `\n],"objectTypes":${JSON.stringify(ocel.objectTypes())},\n"eventTypes":${JSON.stringify(ocel.eventTypes())}}\n`);
    options.onProgress?.(events);
    return { events, journeys: ocel.journeyCount };
  } else {
    for await (const stored of store.readAll({ filter })) journeys.add(stored.event.journeyId);
    const from = options.from !== undefined ? Date.parse(options.from) : -Infinity;
    const to = options.to !== undefined ? Date.parse(options.to) : Infinity;
    await write(out, XES_HEADER);
    for (const journeyId of journeys) {
      // A trace's document order is its sequence for process-mining tools, and a late event is
      // stored after later ones: order by time (then position, as the projections do).
      const stream = (await store.readStream(journeyStreamName(journeyId)))
        .map((stored) => ({ stored, t: Date.parse(stored.event.occurredAt) }))
        .filter(({ t }) => t >= from && t < to)
        .sort((a, b) => a.t - b.t || a.stored.position - b.stored.position);
      let body = '';
      let prev: number | undefined;
      for (const { stored, t } of stream) {
        const since = options.businessMs
          ? { elapsed: (t - (prev ?? t)) / 1000, business: options.businessMs(stored.event.department, prev ?? t, t) / 1000 }
          : undefined;
        body += xesEvent(stored.event, since);
        prev = t;
        tick();
      }
      if (body !== '') await write(out, xesTraceOpen(journeyId) + body + XES_TRACE_CLOSE);
    }
    await write(out, XES_FOOTER);
  }
  options.onProgress?.(events);
  return { events, journeys: journeys.size };
}

function csvRow(event: JourneyEvent): string[] {
  const data = event.data as Record<string, unknown>;
  const isWork = event.type === 'WorkStarted' || event.type === 'WorkCompleted';
  const attributes: Record<string, string | number | boolean> = isWork ? { ...((data.attributes as Record<string, string | number | boolean> | undefined) ?? {}) } : {};
  const lifecycle = attributes[DEFAULT_COLUMNS.lifecycle] ?? canonicalLifecycle(event.type) ?? '';
  delete attributes[DEFAULT_COLUMNS.lifecycle];
  const utc = utcMillis(event.occurredAt);
  return [
    event.journeyId,
    isWork ? String(data.activity) : event.type,
    utc,
    event.department === UNASSIGNED_DEPARTMENT ? '' : event.department,
    event.actor ?? '',
    String(lifecycle),
    event.id,
    event.type,
    isWork && typeof data.outcome === 'string' ? data.outcome : '',
    isWork ? '' : JSON.stringify(event.data),
    Object.keys(attributes).length > 0 ? JSON.stringify(attributes) : '',
    needsRecordedInstant(event.occurredAt, utc) ? event.occurredAt : '',
    event.correlationId ?? '',
    event.causationId ?? '',
    event.schemaVersion !== 1 ? String(event.schemaVersion) : '',
  ];
}

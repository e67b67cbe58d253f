import type { ProcessMap } from '@journeys/contracts';
import type { CellReader } from './cells.ts';
import { Kind, type KindCode } from './contributions.ts';
import type { Distribution } from './distribution.ts';
import { mergeInto } from './distribution.ts';
import { processMapFrom, storedCells, type CellSource, type Merged, type OpenByDept } from './analytics.ts';
import type { CellFilter } from './filters.ts';
import { listKey, unitOf } from './map-keys.ts';
import type { Names } from './names.ts';
import { NO_NAME } from './schema.ts';

/**
 * The process map rolled up by org unit (rollup.ts is the reference fold), from the same
 * cells as the map itself, renamed at query time: a unit's work, queue and handoff delays
 * are its members' distributions merged (exact: a merge is the union of the values), its
 * events and open work the sums, and a handoff between two members of one unit is no edge.
 * Two figures are not sums of the members' and have cells of their own (contributions.ts):
 *
 * - journeys per unit: a journey in several members counts once, on the day of its first
 *   event in any of them — the `deptFirst` keys (departments first visited that day, after
 *   those visited before) name a member in `a` and none in `b` for exactly one of its days;
 * - ping-pong between units: a handoff into a unit the journey had left by an earlier
 *   handoff between units — the `handoffContext` keys carry each handoff's earlier ones.
 *
 * Members are the departments seen in any journey (any type, any day), as the fold's are.
 * The same filter semantics as processMap: events in the window by whole UTC days.
 */
export function processMapGroupedFrom(
  reader: CellReader,
  names: Names,
  filter: CellFilter,
  groups: Readonly<Record<string, string>>,
  open: OpenByDept,
): ProcessMap {
  const unit = unitOf(groups);
  const stored = storedCells(reader, filter);

  // Units get ids of their own (negative: never a stored name's), named through `renamed`.
  const unitIds = new Map<string, number>();
  const unitNames: string[] = [];
  const idOf = (u: string): number => {
    let id = unitIds.get(u);
    if (id === undefined) {
      unitNames.push(u);
      unitIds.set(u, (id = -unitNames.length));
    }
    return id;
  };
  const byId = new Map<number, number>();
  const unitId = (dept: number): number => {
    let id = byId.get(dept);
    if (id === undefined) byId.set(dept, (id = idOf(unit(names.name(dept)))));
    return id;
  };
  const renamed = Object.create(names) as Names;
  renamed.name = (id: number) => (id < 0 ? unitNames[-id - 1]! : names.name(id));

  const add = (out: Merged, a: number, b: number, n: number, dist: Distribution | null): void => {
    const key = `${a},${b}`;
    const m = out.get(key);
    if (!m) {
      out.set(key, { a, b, n, dist });
      return;
    }
    m.n += n;
    if (dist) {
      if (m.dist) mergeInto(m.dist, dist);
      else m.dist = dist;
    }
  };

  const cells: CellSource = (kind: KindCode, days?: [number, number]) => {
    const out: Merged = new Map();
    switch (kind) {
      case Kind.events:
      case Kind.work:
      case Kind.queue:
        for (const v of stored(kind, days).values()) add(out, unitId(v.a), v.b, v.n, v.dist);
        return out;
      case Kind.handoff:
        for (const v of stored(kind, days).values()) {
          const a = unitId(v.a);
          const b = unitId(v.b);
          if (a !== b) add(out, a, b, v.n, v.dist);
        }
        return out;
      case Kind.deptJourneys:
        for (const v of stored(Kind.deptFirst, days).values()) {
          const before = new Set(listKey<string>(names, v.b).map(unit));
          const hit = new Set(listKey<string>(names, v.a).map(unit));
          for (const u of hit) if (!before.has(u)) add(out, idOf(u), NO_NAME, v.n, null);
        }
        return out;
      case Kind.pingPong:
        for (const v of stored(Kind.handoffContext, days).values()) {
          const [from, to] = listKey<string>(names, v.a) as [string, string];
          const uf = unit(from);
          const ut = unit(to);
          if (uf === ut) continue;
          const left = listKey<[string, string]>(names, v.b).some(([f, t]) => unit(f) !== unit(t) && unit(f) === ut);
          if (left) add(out, idOf(uf), idOf(ut), v.n, null);
        }
        return out;
      default:
        // Activities and their arcs are not departments: as they are.
        return stored(kind, days);
    }
  };

  const openUnits: OpenByDept = new Map();
  for (const [dept, o] of open) {
    const u = unit(dept);
    const into = openUnits.get(u);
    if (!into) openUnits.set(u, { ...o, oldest: null });
    else {
      into.wip += o.wip;
      into.queueLength += o.queueLength;
    }
  }

  const map = processMapFrom(cells, openUnits, renamed);
  // Members: every department any journey names, whatever the filter (the fold's rule).
  const members = new Map<string, Set<string>>();
  for (const kind of [Kind.deptJourneys, Kind.seen]) {
    for (const v of reader.merged({ kind }).values()) {
      const d = names.name(v.a);
      const u = unit(d);
      let m = members.get(u);
      if (!m) members.set(u, (m = new Set()));
      m.add(d);
    }
  }
  return { ...map, departments: map.departments.map((d) => ({ ...d, members: [...(members.get(d.department) ?? [])].sort() })) };
}

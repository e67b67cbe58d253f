import type { ProcessMap } from '@journeys/contracts';
import { processMap, type ResolvedFilter } from './aggregates.ts';
import type { JourneyFacts } from './journey-fold.ts';

/**
 * The process map with departments drawn as the groups they belong to (organisational
 * units). Exact: every journey is refolded under the group names and the map computed over
 * those member handoffs, so a unit's percentiles are those of its members' delays, never an
 * average of averages. A handoff between two members of one group is work passing inside
 * the unit, not an edge. `groups` maps department → group; a department it does not name
 * stays itself.
 */
export function processMapGrouped(
  journeys: Iterable<JourneyFacts>,
  groups: Readonly<Record<string, string>>,
  filter: ResolvedFilter,
): ProcessMap {
  const name = (d: string): string => (Object.hasOwn(groups, d) ? groups[d]! : d);
  const members = new Map<string, Set<string>>();
  const seen = (d: string): string => {
    const g = name(d);
    let m = members.get(g);
    if (!m) members.set(g, (m = new Set()));
    m.add(d);
    return g;
  };
  function* regrouped(): Iterable<JourneyFacts> {
    for (const f of journeys) yield regroup(f, seen);
  }
  const map = processMap(regrouped(), filter);
  return {
    ...map,
    departments: map.departments.map((d) => ({ ...d, members: [...(members.get(d.department) ?? [])].sort() })),
  };
}

/** One journey's facts under group names (only what processMap reads is renamed). */
export function regroup(f: JourneyFacts, name: (department: string) => string): JourneyFacts {
  const departments: string[] = [];
  const departmentEvents: number[] = [];
  const index = new Map<string, number>();
  for (let i = 0; i < f.departments.length; i++) {
    const g = name(f.departments[i]!);
    const at = index.get(g);
    if (at === undefined) {
      index.set(g, departments.length);
      departments.push(g);
      departmentEvents.push(f.departmentEvents[i]!);
    } else departmentEvents[at]! += f.departmentEvents[i]!;
  }
  const handoffs = [];
  for (const h of f.handoffs) {
    const from = name(h.from);
    const to = name(h.to);
    if (from !== to) handoffs.push({ ...h, from, to });
  }
  return {
    ...f,
    departments,
    departmentEvents,
    steps: f.steps.map((s) => ({ ...s, department: name(s.department) })),
    handoffs,
    openWork: f.openWork.map((o) => ({ ...o, department: name(o.department) })),
    queued: f.queued ? { ...f.queued, department: name(f.queued.department) } : null,
    currentDepartment: f.currentDepartment === null ? null : name(f.currentDepartment),
  };
}

import type { OrgUnits } from '@journeys/contracts';
import { ROUND_THE_CLOCK, OFFICE_HOURS } from './calendar.ts';
import { emit, handoff, minutes, work, type CaseContext, type DepartmentDefinition, type JourneyTypeDefinition, type Process } from './process.ts';
import type { Random } from './random.ts';

/**
 * A large organisation, for the journey map at real scale (`--org large`): 650 support teams
 * in 50 groups in 5 divisions, as an IT-incident organisation is built. Demand is skewed
 * (Zipf), as in real logs: a few teams take most of the work, hundreds see a case a week.
 * Incidents start at a service desk, go to a resolver team, sometimes on to a specialist
 * team elsewhere and, now and then, back again.
 */
const DIVISIONS = [
  ['EU', 'Europe'],
  ['AM', 'Americas'],
  ['AP', 'Asia Pacific'],
  ['GI', 'Global Infrastructure'],
  ['GA', 'Global Applications'],
] as const;
const FUNCTIONS = ['Service Desk', 'Network', 'Servers', 'Storage', 'Database', 'Identity', 'Messaging', 'ERP', 'Web', 'Security'] as const;
export const LARGE_ORG_TEAMS_PER_GROUP = 13;

interface Team {
  name: string;
  group: string;
  division: string;
}

function build(): { teams: Team[]; byGroup: Map<string, Team[]>; groups: string[] } {
  const teams: Team[] = [];
  const byGroup = new Map<string, Team[]>();
  for (const [code, division] of DIVISIONS) {
    for (const fn of FUNCTIONS) {
      const group = `${code} ${fn}`;
      const members: Team[] = [];
      for (let i = 1; i <= LARGE_ORG_TEAMS_PER_GROUP; i++) members.push({ name: `${group} T${String(i).padStart(2, '0')}`, group, division });
      byGroup.set(group, members);
      teams.push(...members);
    }
  }
  return { teams, byGroup, groups: [...byGroup.keys()] };
}
const ORG = build();

/** Every team with its staff: service desks round the clock, resolvers office hours. */
export const LARGE_ORG_DEPARTMENTS: Record<string, DepartmentDefinition> = Object.fromEntries(
  ORG.teams.map((t) => [t.name, { workers: t.group.endsWith('Service Desk') ? 3 : 2, hours: t.group.endsWith('Service Desk') ? ROUND_THE_CLOCK : OFFICE_HOURS }]),
);

/** The org-unit file of this organisation (JOURNEY_ORG_UNITS): team → group → division. */
export function largeOrgUnits(): OrgUnits {
  return { levels: ['group', 'division'], units: Object.fromEntries(ORG.teams.map((t) => [t.name, [t.group, t.division]])) };
}

/** Index 0..n-1, probability ∝ 1/(i+1)^s: the skew of real team workloads. */
function zipf(r: Random, n: number, s = 1.1): number {
  let total = 0;
  for (let i = 0; i < n; i++) total += 1 / (i + 1) ** s;
  let x = r.next() * total;
  for (let i = 0; i < n; i++) {
    x -= 1 / (i + 1) ** s;
    if (x < 0) return i;
  }
  return n - 1;
}

function team(r: Random, division: number, fn: number): string {
  const group = `${DIVISIONS[division]![0]} ${FUNCTIONS[fn]!}`;
  return ORG.byGroup.get(group)![zipf(r, LARGE_ORG_TEAMS_PER_GROUP)]!.name;
}

/** A resolver team: mostly in the incident's own region, otherwise in a global division. */
function resolver(r: Random, region: number): string {
  const division = r.chance(0.7) ? region : 3 + (r.chance(0.5) ? 0 : 1);
  return team(r, division, 1 + zipf(r, FUNCTIONS.length - 1, 0.9));
}

export const largeOrgIncident: JourneyTypeDefinition = {
  journeyType: 'it-incident',
  code: 'INC',
  share: 1,
  arrivals: {
    weekday: [0.4, 1.3, 1.2, 1.1, 1.1, 1.0, 0.45],
    hour: [0.3, 0.25, 0.2, 0.2, 0.2, 0.3, 0.5, 0.9, 1.4, 1.6, 1.5, 1.3, 1.1, 1.3, 1.4, 1.3, 1.1, 0.9, 0.7, 0.6, 0.5, 0.45, 0.4, 0.35],
  },
  *run(c: CaseContext): Process {
    const r = c.rng;
    const region = zipf(r, 3, 0.8);
    const desk = team(r, region, 0);
    yield emit(desk, 'JourneyStarted', { journeyType: c.journeyType, channel: r.weighted({ portal: 0.5, phone: 0.35, email: 0.15 }), customerRef: c.customerRef });
    yield work(desk, 'Log incident', minutes(c, 6));
    if (r.chance(0.25)) {
      yield work(desk, 'Apply known fix', minutes(c, 10), { outcome: 'fixed' });
      return yield* close(desk);
    }
    let current = desk;
    let previous: string | null = null;
    const hops = 1 + (r.chance(0.35) ? 1 : 0) + (r.chance(0.1) ? 1 : 0);
    for (let i = 0; i < hops; i++) {
      // now and then the case goes back to the team that sent it (a wrong assignment)
      const next: string = previous !== null && r.chance(0.15) ? previous : resolver(r, region);
      if (next === current) continue;
      yield* handoff(current, next, i === 0 ? 'Assignment' : 'Reassignment');
      yield work(next, i === 0 ? 'Investigate' : 'Continue investigation', minutes(c, 40, 0.7));
      previous = current;
      current = next;
    }
    yield work(current, 'Resolve', minutes(c, 15), { outcome: 'fixed' });
    yield* close(current);
  },
};

function* close(department: string): Process {
  yield emit(department, 'CustomerNotified', { channel: 'email', message: 'Your incident is resolved.' });
  yield emit(department, 'JourneyCompleted', { outcome: 'resolved' });
}

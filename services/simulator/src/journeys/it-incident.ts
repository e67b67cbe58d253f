import { addBusinessDaysUtc, HOUR } from '../calendar.ts';
import { DEPARTMENTS as D } from '../departments.ts';
import { emit, handoff, minutes, waitOnCustomer, work, type CaseContext, type JourneyTypeDefinition, type Process } from '../process.ts';

const PROMISE: Record<string, (t: number) => number> = {
  P1: (t) => t + 4 * HOUR,
  P2: (t) => addBusinessDaysUtc(t, 1),
  P3: (t) => addBusinessDaysUtc(t, 3),
};

function* resolve(c: CaseContext, department: string): Process {
  yield emit(department, 'CustomerNotified', { channel: 'email', message: `Incident ${c.journeyId} is resolved.` });
  yield emit(department, 'JourneyCompleted', { outcome: 'resolved' });
}

/**
 * Service desk (round the clock) → first line (round the clock) → second line (office
 * hours), escalating to a one-person third line; wrong assignments bounce back to L1.
 */
export const itIncident: JourneyTypeDefinition = {
  journeyType: 'it-incident',
  code: 'INC',
  share: 0.4,
  arrivals: {
    weekday: [0.4, 1.3, 1.2, 1.1, 1.1, 1.0, 0.45],
    hour: [0.3, 0.25, 0.2, 0.2, 0.2, 0.3, 0.5, 0.9, 1.4, 1.6, 1.5, 1.3, 1.1, 1.3, 1.4, 1.3, 1.1, 0.9, 0.7, 0.6, 0.5, 0.45, 0.4, 0.35],
  },
  *run(c): Process {
    const r = c.rng;
    const priority = r.weighted({ P1: 0.05, P2: 0.25, P3: 0.7 });
    const rank = priority === 'P1' ? 1 : priority === 'P2' ? 3 : 5;
    const channel = r.weighted({ portal: 0.5, phone: 0.35, email: 0.15 });
    yield emit(D.serviceDesk, 'JourneyStarted', {
      journeyType: c.journeyType,
      channel,
      customerRef: c.customerRef,
      promisedBy: new Date(PROMISE[priority]!(c.now())).toISOString(),
    }, channel === 'portal' ? 'self-service-portal' : undefined);
    yield work(D.serviceDesk, 'Log incident', minutes(c, 6), { outcome: priority, priority: rank });
    yield emit(D.serviceDesk, 'CustomerNotified', { channel: 'email', message: `Ticket ${c.journeyId} created (${priority}).` });
    yield* handoff(D.serviceDesk, D.l1, 'First-line diagnosis');

    const needsInfo = r.chance(0.15);
    yield work(D.l1, 'Diagnose', minutes(c, 18), { outcome: needsInfo ? 'needs user information' : 'diagnosed', priority: rank });
    if (needsInfo) {
      const answered = yield* waitOnCustomer(c, D.l1, 'Steps to reproduce and a screenshot', {
        responseMs: r.lognormal(3 * HOUR, 1),
        giveUpMs: 5 * 24 * HOUR,
        answers: r.chance(0.95),
      });
      if (!answered) {
        yield emit(D.l1, 'JourneyCompleted', { outcome: 'withdrawn' });
        return;
      }
      yield work(D.l1, 'Continue diagnosis', minutes(c, 10), { priority: rank });
    }
    if (r.chance(0.5)) {
      yield work(D.l1, 'Apply known fix', minutes(c, 12), { outcome: 'fixed', priority: rank });
      return yield* resolve(c, D.l1);
    }

    yield* handoff(D.l1, D.l2, 'Escalation');
    if (r.chance(0.12)) {
      // Wrong assignment: L2 bounces it back to L1, which re-triages and escalates again.
      yield work(D.l2, 'Triage', minutes(c, 8), { outcome: 'wrong assignment', priority: rank });
      yield* handoff(D.l2, D.l1, 'Wrong assignment');
      yield work(D.l1, 'Re-triage', minutes(c, 10), { outcome: 're-escalated', priority: rank });
      yield* handoff(D.l1, D.l2, 'Escalation after re-triage');
    }
    const solved = r.chance(0.65);
    yield work(D.l2, 'Investigate', minutes(c, 55), { outcome: solved ? 'fixed' : 'needs engineering', priority: rank });
    if (solved) return yield* resolve(c, D.l2);

    yield* handoff(D.l2, D.l3, 'Needs engineering');
    yield work(D.l3, 'Root-cause fix', minutes(c, 90, 0.6), { outcome: 'fix deployed', priority: rank });
    yield* handoff(D.l3, D.l2, 'Verify the fix with the user');
    yield work(D.l2, 'Verify with user', minutes(c, 15), { outcome: 'fixed', priority: rank });
    yield* resolve(c, D.l2);
  },
};

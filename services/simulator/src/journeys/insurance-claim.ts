import { addBusinessDaysUtc, DAY, HOUR } from '../calendar.ts';
import { DEPARTMENTS as D } from '../departments.ts';
import { emit, handoff, minutes, wait, waitOnCustomer, work, type JourneyTypeDefinition, type Process } from '../process.ts';

/** Intake → assessment (with rework back to intake) → legal when liability is unclear → billing; disputes go to support. */
export const insuranceClaim: JourneyTypeDefinition = {
  journeyType: 'insurance-claim',
  code: 'CLM',
  share: 0.4,
  arrivals: {
    weekday: [0.25, 1.5, 1.2, 1.0, 1.0, 0.9, 0.35],
    hour: [0.1, 0.05, 0.05, 0.05, 0.05, 0.1, 0.3, 0.7, 1.2, 1.5, 1.5, 1.3, 1.0, 1.2, 1.3, 1.2, 1.0, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2],
  },
  *run(c): Process {
    const r = c.rng;
    const channel = r.weighted({ web: 0.5, phone: 0.25, email: 0.15, agent: 0.1 });
    yield emit(D.intake, 'JourneyStarted', {
      journeyType: c.journeyType,
      channel,
      customerRef: c.customerRef,
      promisedBy: new Date(addBusinessDaysUtc(c.now(), 10)).toISOString(),
    }, channel === 'web' ? 'web-portal' : undefined);
    yield emit(D.intake, 'CustomerNotified', { channel: 'email', message: `We have received your claim ${c.journeyId}.` });

    const missing = r.chance(0.3);
    yield work(D.intake, 'Register claim', minutes(c, 18), { outcome: missing ? 'documents missing' : 'registered' });
    if (missing) {
      const answered = yield* waitOnCustomer(c, D.intake, 'Photos and invoices of the damage', {
        responseMs: r.lognormal(1.5 * DAY, 0.8),
        giveUpMs: 21 * DAY,
        answers: r.chance(0.94),
      });
      if (!answered) {
        yield emit(D.intake, 'JourneyCompleted', { outcome: 'withdrawn' });
        return;
      }
      yield work(D.intake, 'Complete registration', minutes(c, 8), { outcome: 'registered' });
    }
    yield* handoff(D.intake, D.assessment, 'Assess the damage');

    for (let round = 0; ; round++) {
      const incomplete = r.chance(round === 0 ? 0.15 : 0.04);
      yield work(D.assessment, round === 0 ? 'Assess damage' : 'Reassess damage', minutes(c, round === 0 ? 35 : 20), {
        outcome: incomplete ? 'file incomplete' : 'assessed',
      });
      if (!incomplete) break;
      // Rework: the file goes back to intake and returns (ping-pong between silos).
      yield* handoff(D.assessment, D.intake, 'Claim file incomplete');
      yield work(D.intake, 'Correct claim file', minutes(c, 12), { outcome: 'corrected' });
      yield* handoff(D.intake, D.assessment, 'Corrected claim file');
    }

    if (r.chance(0.12)) {
      const answered = yield* waitOnCustomer(c, D.assessment, 'Expert visit to be scheduled with you', {
        responseMs: r.lognormal(2 * DAY, 0.5),
        giveUpMs: 30 * DAY,
        answers: true,
      });
      if (answered) yield work(D.assessment, 'Expert site visit', minutes(c, 60, 0.3), { outcome: 'damage confirmed' });
    }

    if (r.chance(0.22)) {
      yield* handoff(D.assessment, D.legal, 'Liability unclear');
      const back = r.chance(0.35);
      yield work(D.legal, 'Review liability', minutes(c, 70), { outcome: back ? 'needs reassessment' : 'liability confirmed' });
      if (back) {
        yield* handoff(D.legal, D.assessment, 'Reassess after legal review');
        yield work(D.assessment, 'Reassess damage', minutes(c, 30), { outcome: 'assessed' });
      }
    }

    const rejected = r.chance(0.15);
    const decider = D.assessment;
    yield work(decider, 'Decide claim', minutes(c, 8), { outcome: rejected ? 'rejected' : 'approved' });
    if (rejected) {
      yield emit(decider, 'CustomerNotified', { channel: 'letter', message: 'Your claim was not accepted.' });
      if (r.chance(0.35)) {
        yield wait(r.lognormal(2 * DAY, 0.6));
        yield* handoff(decider, D.support, 'Customer disputes the decision');
        const reopen = r.chance(0.4);
        yield work(D.support, 'Handle complaint', minutes(c, 25), { outcome: reopen ? 'reopened' : 'decision upheld' });
        if (reopen) {
          yield* handoff(D.support, D.assessment, 'Reopened after complaint');
          // reopened and approved: on to the payout below
          yield work(D.assessment, 'Reassess damage', minutes(c, 35), { outcome: 'approved' });
        } else {
          yield emit(D.support, 'CustomerNotified', { channel: 'phone', message: 'We reviewed your complaint; the decision stands.' });
          yield emit(D.support, 'JourneyCompleted', { outcome: 'rejected' });
          return;
        }
      } else {
        yield emit(decider, 'JourneyCompleted', { outcome: 'rejected' });
        return;
      }
    }
    yield* handoff(D.assessment, D.billing, 'Approved: pay out');
    yield work(D.billing, 'Pay out claim', minutes(c, 14), { outcome: 'paid' });
    yield emit(D.billing, 'CustomerNotified', { channel: 'email', message: 'Your payment is on its way.' });
    yield wait(r.uniform(1, 4) * HOUR);
    yield emit(D.billing, 'JourneyCompleted', { outcome: 'resolved' });
  },
};

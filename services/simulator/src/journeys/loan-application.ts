import { addBusinessDaysUtc, DAY, HOUR } from '../calendar.ts';
import { DEPARTMENTS as D } from '../departments.ts';
import { emit, handoff, minutes, wait, waitOnCustomer, work, type JourneyTypeDefinition, type Process } from '../process.ts';

/** Sales → underwriting (rework back to sales) → risk for large loans → legal drafts the contract → billing disburses. */
export const loanApplication: JourneyTypeDefinition = {
  journeyType: 'loan-application',
  code: 'LOAN',
  share: 0.2,
  arrivals: {
    weekday: [0.3, 1.3, 1.2, 1.1, 1.1, 1.0, 0.6],
    hour: [0.05, 0.05, 0.05, 0.05, 0.05, 0.1, 0.3, 0.6, 1.0, 1.3, 1.4, 1.3, 1.2, 1.3, 1.3, 1.2, 1.1, 1.0, 0.9, 0.8, 0.6, 0.4, 0.2, 0.1],
  },
  *run(c): Process {
    const r = c.rng;
    const channel = r.weighted({ branch: 0.4, web: 0.45, broker: 0.15 });
    yield emit(D.sales, 'JourneyStarted', {
      journeyType: c.journeyType,
      channel,
      customerRef: c.customerRef,
      promisedBy: new Date(addBusinessDaysUtc(c.now(), 7)).toISOString(),
    }, channel === 'web' ? 'web-portal' : undefined);
    yield emit(D.sales, 'CustomerNotified', { channel: 'email', message: `Application ${c.journeyId} received.` });

    const missing = r.chance(0.35);
    yield work(D.sales, 'Check application', minutes(c, 22), { outcome: missing ? 'proof of income missing' : 'complete' });
    if (missing) {
      const answered = yield* waitOnCustomer(c, D.sales, 'Proof of income', {
        responseMs: r.lognormal(2 * DAY, 0.7),
        giveUpMs: 14 * DAY,
        answers: r.chance(0.92),
      });
      if (!answered) {
        yield emit(D.sales, 'JourneyCompleted', { outcome: 'withdrawn' });
        return;
      }
      yield work(D.sales, 'Complete application', minutes(c, 10), { outcome: 'complete' });
    }
    yield* handoff(D.sales, D.underwriting, 'Credit check');

    const rework = r.chance(0.2);
    yield work(D.underwriting, 'Credit assessment', minutes(c, 40), { outcome: rework ? 'collateral details missing' : 'assessed' });
    if (rework) {
      yield* handoff(D.underwriting, D.sales, 'Collateral details missing');
      yield work(D.sales, 'Complete collateral details', minutes(c, 15), { outcome: 'complete' });
      yield* handoff(D.sales, D.underwriting, 'Collateral details added');
      yield work(D.underwriting, 'Credit assessment', minutes(c, 25), { outcome: 'assessed' });
    }

    let decider: string = D.underwriting;
    if (r.chance(0.3)) {
      yield* handoff(D.underwriting, D.risk, 'Large exposure');
      decider = D.risk;
    }
    const rejected = r.chance(0.2);
    yield work(decider, decider === D.risk ? 'Risk review' : 'Credit decision', minutes(c, decider === D.risk ? 80 : 15), {
      outcome: rejected ? 'declined' : 'approved',
    });
    if (rejected) {
      yield emit(decider, 'CustomerNotified', { channel: 'letter', message: 'We cannot offer you this loan.' });
      yield emit(decider, 'JourneyCompleted', { outcome: 'rejected' });
      return;
    }

    yield* handoff(decider, D.legal, 'Draft the loan contract');
    yield work(D.legal, 'Draft loan contract', minutes(c, 30), { outcome: 'contract ready' });
    const signed = yield* waitOnCustomer(c, D.legal, 'Signed loan contract', {
      responseMs: r.lognormal(1.5 * DAY, 0.6),
      giveUpMs: 14 * DAY,
      answers: r.chance(0.95),
    });
    if (!signed) {
      yield emit(D.legal, 'JourneyCompleted', { outcome: 'withdrawn' });
      return;
    }
    yield work(D.legal, 'Check signed contract', minutes(c, 6), { outcome: 'signed' });
    yield* handoff(D.legal, D.billing, 'Disburse the loan');
    yield work(D.billing, 'Disburse loan', minutes(c, 12), { outcome: 'disbursed' });
    yield emit(D.billing, 'CustomerNotified', { channel: 'email', message: 'Your loan has been paid into your account.' });
    yield wait(r.uniform(0.5, 2) * HOUR);
    yield emit(D.billing, 'JourneyCompleted', { outcome: 'resolved' });
  },
};

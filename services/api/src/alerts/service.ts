import { createHash } from 'node:crypto';
import { setImmediate as yieldToRequests } from 'node:timers/promises';
import { alertSubject, type AlertDigest, type AlertRules } from '@journeys/contracts';
import { alertCandidates, createReconciler, digestAlerts, type AlertInputs, type CalendarSet, type OpenAlertKey } from '@journeys/projections';
import type { AlertStore } from './store.ts';
import type { WebhookSender } from './webhooks.ts';

/**
 * The live alerts loop: evaluate (pure, over the read store's live aggregates) → reconcile
 * with the open alerts and write, in one transaction of the alert store → digests per
 * (department, kind) to SSE listeners, the bus (`journey.alerts.<slug>`) and webhooks. Runs
 * every `evaluateEveryMs` and soon after changes to the read models (at most once per interval).
 */
export interface AlertServiceOptions {
  inputs: () => AlertInputs;
  rules: AlertRules;
  store: AlertStore;
  calendars?: CalendarSet;
  /** JetStream publication; absent (in-process bus): digests go to SSE and webhooks only. */
  publish?: (subject: string, payload: string, msgId: string) => Promise<void>;
  webhooks?: WebhookSender;
  /** Read-model changes, to evaluate soon after new events. */
  onChange?: (listener: () => void) => () => void;
  now?: () => number;
  onError?: (err: Error) => void;
}

export interface AlertService {
  readonly store: AlertStore;
  /** One evaluation now; resolves with the digests it produced (after the bus took them). */
  evaluate(): Promise<AlertDigest[]>;
  onDigest(listener: (d: AlertDigest) => void): () => void;
  start(): void;
  stop(): Promise<void>;
}

/** Longest stretch of evaluation before requests get their turn. */
const SLICE_MS = 3;
const KEYS_PAGE = 2000;

export function createAlertService(o: AlertServiceOptions): AlertService {
  const now = o.now ?? Date.now;
  const listeners = new Set<(d: AlertDigest) => void>();
  let timer: NodeJS.Timeout | undefined;
  let soon: NodeJS.Timeout | undefined;
  let lastRun = 0;
  let running: Promise<AlertDigest[]> | undefined;
  let unsubscribe: (() => void) | undefined;

  const run = async (): Promise<AlertDigest[]> => {
    const t = now();
    lastRun = t;
    // The pass over the open work is sliced: the process also answers requests, and a
    // backlog of a hundred thousand open journeys in one go would be a pause of seconds.
    // The inputs page their rows, so no query stays open across a slice.
    let slice = performance.now();
    const open: OpenAlertKey[] = [];
    for (let after = 0; ; ) {
      const page = o.store.openKeysPage(after, KEYS_PAGE);
      for (const k of page) open.push({ id: k.id, key: k.key, severity: k.severity });
      if (page.length < KEYS_PAGE) break;
      after = page[page.length - 1]!.sequence;
      if (performance.now() - slice > SLICE_MS) {
        await yieldToRequests();
        slice = performance.now();
      }
    }
    const reconciler = createReconciler(open);
    for (const c of alertCandidates(o.inputs(), o.rules, t, o.calendars)) {
      reconciler.see(c);
      if (performance.now() - slice > SLICE_MS) {
        await yieldToRequests();
        slice = performance.now();
      }
    }
    const changed = o.store.apply(reconciler.finish(), t);
    if (changed.length === 0) return [];
    const digests = digestAlerts(changed, (d, k) => o.store.openCount(d, k), o.rules.maxPerDigest, new Date(t).toISOString());
    for (const d of digests) {
      for (const l of listeners) {
        try {
          l(d);
        } catch {
          // a closed stream must not stop the others
        }
      }
      o.webhooks?.send(d);
      if (o.publish) {
        const body = JSON.stringify(d);
        const msgId = createHash('sha256').update(body).digest('hex').slice(0, 32);
        await o.publish(alertSubject(d.department), body, msgId).catch((err: Error) => o.onError?.(err));
      }
    }
    return digests;
  };
  const evaluate = (): Promise<AlertDigest[]> => {
    // One evaluation at a time: a second caller waits for the one in progress, then runs its own.
    const next = (running ?? Promise.resolve([])).catch(() => []).then(run);
    running = next;
    return next;
  };
  const tick = () => void evaluate().catch((err: Error) => o.onError?.(err));

  return {
    store: o.store,
    evaluate,
    onDigest(l) {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    start() {
      timer = setInterval(tick, o.rules.evaluateEveryMs);
      timer.unref();
      unsubscribe = o.onChange?.(() => {
        if (soon) return;
        // At most one evaluation per interval: each is a pass over the live aggregates.
        const wait = Math.max(0, lastRun + o.rules.evaluateEveryMs - now());
        soon = setTimeout(() => {
          soon = undefined;
          tick();
        }, wait);
        soon.unref();
      });
      tick();
    },
    async stop() {
      clearInterval(timer);
      clearTimeout(soon);
      unsubscribe?.();
      await running?.catch(() => {});
      o.webhooks?.stop();
    },
  };
}

import { z } from 'zod';
import { departmentSlug } from './department.ts';

/**
 * Live silo alerts (GET /api/alerts, journey.alerts.<department slug>, webhooks).
 * - handoff-overdue: a handoff still waiting longer than its pair's learned p90 (business
 *   time when calendars are set), once the pair has enough picked-up handoffs to learn from;
 * - sla-at-risk: an open journey whose SLA is at risk (critical once breached);
 * - customer-not-heard: an open journey, not waiting on the customer, whose last touchpoint
 *   (CustomerNotified, or its start) is older than the silence limit.
 * An alert opens, may escalate (warning → critical), and resolves when its condition clears
 * (for a handoff: work started in the receiving department, or the journey closed).
 */
export const ALERTS_STREAM = 'JOURNEY_ALERTS';
export const ALERTS_SUBJECT_PREFIX = 'journey.alerts';
export const ALERTS_SUBJECTS = `${ALERTS_SUBJECT_PREFIX}.>`;

/** `journey.alerts.<department slug>` */
export function alertSubject(department: string): string {
  return `${ALERTS_SUBJECT_PREFIX}.${departmentSlug(department)}`;
}

export const ALERT_KINDS = ['handoff-overdue', 'sla-at-risk', 'customer-not-heard'] as const;
export const AlertKindSchema = z.enum(ALERT_KINDS);
export type AlertKind = z.infer<typeof AlertKindSchema>;
export const AlertSeveritySchema = z.enum(['warning', 'critical']);
export type AlertSeverity = z.infer<typeof AlertSeveritySchema>;
export const AlertStateSchema = z.enum(['open', 'resolved']);

const instant = z.string().describe('ISO-8601 instant, UTC');

export const AlertSchema = z.object({
  id: z.string(),
  /** Deduplication key: one open alert per key (kind, journey and, for handoffs, the pair). */
  key: z.string(),
  kind: AlertKindSchema,
  state: AlertStateSchema,
  severity: AlertSeveritySchema,
  /** The department that can act: the receiver of a waiting handoff, else where the journey is. */
  department: z.string(),
  journeyId: z.string(),
  journeyType: z.string().nullable(),
  from: z.string().nullable(),
  to: z.string().nullable(),
  /** When the waiting (or the silence, or the journey) began. */
  since: instant,
  openedAt: instant,
  /** Its last change: opened, escalated or resolved (a wait that grows is not a change). */
  updatedAt: instant,
  resolvedAt: instant.nullable(),
  /** How long it has waited, on `clock`: to the moment of the answer while open, to its resolution once resolved. */
  waitedSeconds: z.number(),
  /** The limit it passed: the pair's p90 or override, the silence limit, or the SLA window left. */
  thresholdSeconds: z.number(),
  clock: z.enum(['elapsed', 'business']),
  /** Picked-up handoffs of the pair the p90 was learned from (null: an override or another kind). */
  samples: z.int().nullable(),
  /** Grows on every change; the SSE event id and the list's order. */
  sequence: z.int(),
});
export type Alert = z.infer<typeof AlertSchema>;

export const AlertPageSchema = z.object({ items: z.array(AlertSchema), nextCursor: z.string().nullable() });

/** A change as published on the bus, the SSE stream and webhooks: grouped per (department, kind). */
export const AlertDigestSchema = z.object({
  department: z.string(),
  kind: AlertKindSchema,
  opened: z.int(),
  escalated: z.int(),
  resolved: z.int(),
  /** Open alerts of this group after the change. */
  open: z.int(),
  /** At most `maxPerDigest` of the changed alerts; the counts are complete. */
  alerts: z.array(AlertSchema),
  truncated: z.boolean(),
  at: instant,
});
export type AlertDigest = z.infer<typeof AlertDigestSchema>;

export const PairOverrideSchema = z.strictObject({
  from: z.string().min(1),
  to: z.string().min(1),
  /** A fixed limit instead of the learned p90 (needs no samples). */
  thresholdSeconds: z.number().positive().optional(),
  minSamples: z.int().min(1).optional(),
  disabled: z.boolean().optional(),
});

/** JOURNEY_ALERT_RULES (a JSON file); every field has a default. */
export const AlertRulesSchema = z.strictObject({
  /** Picked-up handoffs a pair needs before its p90 is trusted. */
  minSamples: z.int().min(1).default(20),
  /** warning → critical once the wait passes this many times the limit. */
  escalateFactor: z.number().min(1).default(2),
  slaAtRisk: z.boolean().default(true),
  /** Silence (elapsed) after which the customer has not heard from us; 0: off. */
  customerSilenceSeconds: z.number().min(0).default(3 * 86_400),
  pairs: z.array(PairOverrideSchema).default([]),
  /** How often the alerts are evaluated (also after every batch of events, at most this often). */
  evaluateEveryMs: z.int().min(100).default(15_000),
  /** Alerts listed in one digest; the counts always cover them all. */
  maxPerDigest: z.int().min(1).default(20),
});
export type AlertRules = z.infer<typeof AlertRulesSchema>;

import { z } from 'zod';
import { printable } from './text.ts';

const stageName = printable(80, 'stage name');

/**
 * What a customer may be told, per journey type: the customer-facing stages in order, and
 * which internal activity belongs to which stage. Activities not listed, and departments
 * without a mapping, fall back to a safe default naming only the department's public name,
 * so no raw activity text ("INTERNAL: suspected fraud…", "W_Beoordelen fraude") ever
 * reaches the status widget. Loaded from JOURNEY_CUSTOMER_STAGES (a JSON file).
 *
 *   { "departments": { "Legal & Compliance": "our review team" },
 *     "journeyTypes": { "insurance-claim": { "stages": ["Received", "Assessment", "Payment"],
 *                       "activities": { "triage": "Received", "assess damage": "Assessment" } } },
 *     "default": "in progress at {department}" }
 */
export const CustomerStagesConfigSchema = z
  .strictObject({
    /** Department name → the name a customer sees (default: the department's own name). */
    departments: z.record(z.string().min(1).max(128), stageName).default({}),
    journeyTypes: z
      .record(
        z.string().min(1).max(128),
        z.strictObject({
          stages: z.array(stageName).min(1).max(50),
          /** Activity → one of `stages`. */
          activities: z.record(z.string().min(1).max(256), stageName).default({}),
        }),
      )
      .default({}),
    /** Template of the fallback; `{department}` is the department's public name. */
    default: stageName.refine((s) => s.includes('{department}'), { message: 'the default stage must mention {department}' }).default('in progress at {department}'),
  })
  .superRefine((c, ctx) => {
    for (const [type, t] of Object.entries(c.journeyTypes)) {
      for (const [activity, stage] of Object.entries(t.activities)) {
        if (!t.stages.includes(stage)) {
          ctx.addIssue({ code: 'custom', path: ['journeyTypes', type, 'activities', activity], message: `stage ${JSON.stringify(stage)} is not one of ${type}'s stages` });
        }
      }
    }
  });
export type CustomerStagesConfig = z.output<typeof CustomerStagesConfigSchema>;

export const DEFAULT_CUSTOMER_STAGES: CustomerStagesConfig = CustomerStagesConfigSchema.parse({});

/** The department's customer-facing name. */
export function publicDepartmentName(config: CustomerStagesConfig, department: string): string {
  return config.departments[department] ?? department;
}

/**
 * The stage a customer is shown for work of `activity` in `department` on a journey of
 * `journeyType`: the mapped stage, or the default naming the department's public name.
 */
export function customerStageOf(config: CustomerStagesConfig, journeyType: string | null, department: string, activity: string | null): string {
  const mapped = journeyType !== null && activity !== null ? config.journeyTypes[journeyType]?.activities[activity] : undefined;
  return mapped ?? config.default.replaceAll('{department}', publicDepartmentName(config, department));
}

/** The label of a step the customer sees as done: its mapped stage, or the department's public name. */
export function customerStepLabel(config: CustomerStagesConfig, journeyType: string | null, department: string, activity: string | null): string {
  const mapped = journeyType !== null && activity !== null ? config.journeyTypes[journeyType]?.activities[activity] : undefined;
  return mapped ?? publicDepartmentName(config, department);
}

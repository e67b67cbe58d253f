import { FreshnessSchema } from './read-models.ts';
import { z } from 'zod';
import { ValidationProblemSchema } from './validation.ts';

/** RFC 9457 problem details; every HTTP error body is one of these. */
export const ProblemSchema = z.object({
  type: z.string(),
  title: z.string(),
  status: z.int(),
  detail: z.string().optional(),
  instance: z.string().optional(),
  /** Every validation problem, when the request was invalid. */
  problems: z.array(ValidationProblemSchema).optional(),
});
export type Problem = z.infer<typeof ProblemSchema>;

export const ROLES = ['analyst', 'auditor', 'admin', 'department', 'customer', 'metrics'] as const;
/** `department:<slug>` names the department a token may publish as; `metrics` may only scrape /metrics. */
export const RoleSchema = z.union(
  [z.enum(['analyst', 'auditor', 'admin', 'customer', 'metrics']), z.string().regex(/^department:[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/)],
  { error: 'use analyst, auditor, admin, customer, metrics or department:<slug>' },
);
export type Role = z.infer<typeof RoleSchema>;

export function page<T extends z.ZodType>(item: T) {
  return z.object({ items: z.array(item), nextCursor: z.string().nullable(), freshness: FreshnessSchema.optional() });
}

export const AcceptedSchema = z.object({ accepted: z.int(), ids: z.array(z.string()) });
export type Accepted = z.infer<typeof AcceptedSchema>;

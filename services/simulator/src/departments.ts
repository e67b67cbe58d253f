import { EXTENDED_HOURS, OFFICE_HOURS, ROUND_THE_CLOCK } from './calendar.ts';
import type { DepartmentDefinition } from './process.ts';

/** Department names as the organisation names them (subjects use their slugs). */
export const DEPARTMENTS = {
  intake: 'Intake',
  assessment: 'Claims Assessment',
  legal: 'Legal',
  billing: 'Billing',
  support: 'Customer Support',
  serviceDesk: 'Service Desk',
  l1: 'Support L1',
  l2: 'Support L2',
  l3: 'Support L3',
  sales: 'Sales',
  underwriting: 'Underwriting',
  risk: 'Risk',
} as const;

const D = DEPARTMENTS;

/**
 * Staffing at the default load (about 100 journeys a day). Legal and Support L3 are the
 * thin ones on purpose: shared and small, they are where work piles up, as in real firms.
 */
export const DEFAULT_DEPARTMENTS: Record<string, DepartmentDefinition> = {
  [D.intake]: { workers: 4, hours: OFFICE_HOURS },
  [D.assessment]: { workers: 8, hours: OFFICE_HOURS },
  [D.legal]: { workers: 4, hours: OFFICE_HOURS },
  [D.billing]: { workers: 3, hours: OFFICE_HOURS },
  [D.support]: { workers: 2, hours: EXTENDED_HOURS },
  [D.serviceDesk]: { workers: 2, hours: ROUND_THE_CLOCK },
  [D.l1]: { workers: 2, hours: ROUND_THE_CLOCK },
  [D.l2]: { workers: 5, hours: OFFICE_HOURS },
  [D.l3]: { workers: 2, hours: OFFICE_HOURS },
  [D.sales]: { workers: 2, hours: EXTENDED_HOURS },
  [D.underwriting]: { workers: 4, hours: OFFICE_HOURS },
  [D.risk]: { workers: 2, hours: OFFICE_HOURS },
};

/** First names for actors, `<department slug>/<name>`: people, not numbered robots. */
export const PEOPLE = ['maria', 'jonas', 'aylin', 'pieter', 'sofia', 'tomasz', 'ines', 'lukas', 'noor', 'emma', 'rafael', 'chloe', 'mateo', 'hanna', 'omar', 'lena'];

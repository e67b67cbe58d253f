import { randomUUID } from 'node:crypto';

/** One event as a department would publish it (a fresh id), at epoch ms `t`. */
export const ev = (journeyId: string, type: string, department: string, t: number, data: object) => ({
  id: randomUUID(),
  type,
  journeyId,
  department,
  occurredAt: new Date(t).toISOString(),
  schemaVersion: 1,
  data,
});

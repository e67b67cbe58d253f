import { readFileSync } from 'node:fs';
import { CustomerStagesConfigSchema, DEFAULT_CUSTOMER_STAGES, type CustomerStagesConfig } from '@journeys/contracts';
import { CliError } from './errors.ts';

/**
 * JOURNEY_CUSTOMER_STAGES: a JSON file mapping journey types and activities to the stages a
 * customer is shown (contracts' CustomerStagesConfigSchema). Absent: the safe default for all.
 */
export function loadCustomerStages(file: string | undefined): { config: CustomerStagesConfig; source: string | undefined } {
  if (!file) return { config: DEFAULT_CUSTOMER_STAGES, source: undefined };
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new CliError(`JOURNEY_CUSTOMER_STAGES ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  const parsed = CustomerStagesConfigSchema.safeParse(raw);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    throw new CliError(`JOURNEY_CUSTOMER_STAGES ${file}: ${first ? `${first.path.join('.') || '(root)'}: ${first.message}` : 'invalid'}`);
  }
  return { config: parsed.data, source: file };
}

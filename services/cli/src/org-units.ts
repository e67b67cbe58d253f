import { readFileSync } from 'node:fs';
import { OrgUnitsSchema, type OrgUnits } from '@journeys/contracts';
import { CliError } from './errors.ts';

/** JOURNEY_ORG_UNITS: a JSON file of department → units (contracts' OrgUnitsSchema), checked at start-up. */
export function loadOrgUnits(path: string): OrgUnits {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new CliError(`JOURNEY_ORG_UNITS: cannot read ${path} as JSON: ${err instanceof Error ? err.message : String(err)}`);
  }
  const parsed = OrgUnitsSchema.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues.slice(0, 5).map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new CliError(`JOURNEY_ORG_UNITS: ${path} is not an org-unit file: ${issues.join('; ')}`);
  }
  return parsed.data;
}

import type { Names } from './names.ts';

/**
 * The journey map's cell keys are JSON lists held as names (contributions.ts: a variant's
 * path, a set of departments, a handoff and its context). Parsed once per distinct key:
 * keyed by the text, not the id, since a rolled-back transaction can hand an id out again.
 */
const parsed = new Map<string, unknown[]>();
const EMPTY: unknown[] = [];

export function listKey<T>(names: Names, id: number): T[] {
  const text = names.name(id);
  if (text === '') return EMPTY as T[];
  let list = parsed.get(text);
  if (!list) {
    if (parsed.size >= 200_000) parsed.clear();
    parsed.set(text, (list = JSON.parse(text) as unknown[]));
  }
  return list as T[];
}

/** A department's org unit under `groups` (a department it does not name stays itself), as rollup.ts has it. */
export function unitOf(groups: Readonly<Record<string, string>>): (department: string) => string {
  return (d) => (Object.hasOwn(groups, d) ? groups[d]! : d);
}

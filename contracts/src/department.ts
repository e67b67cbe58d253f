import { createHash } from 'node:crypto';

/**
 * A department keeps the name its organisation gives it ("V5 3rd", "Legal & Compliance");
 * NATS subjects need a token without dots, wildcards or spaces. The slug is that token.
 *
 * Rule (stable; departments configure NATS permissions with it):
 *  1. Unicode NFKD, combining marks removed (é → e), lower-cased;
 *  2. every run of characters outside [a-z0-9] becomes one '-';
 *  3. leading and trailing '-' removed, cut to 64 characters;
 *  4. a name that leaves nothing (e.g. "§§" or "経理") becomes `x-` + the first 12 hex
 *     digits of the SHA-256 of its UTF-8 name, so that it still gets a stable, distinct token.
 * Two names may share a slug ("A B" and "a-b"): they then share a subject prefix.
 */
export function departmentSlug(department: string): string {
  const slug = department
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 64)
    .replace(/-+$/g, '');
  if (slug.length > 0) return slug;
  return `x-${createHash('sha256').update(department, 'utf8').digest('hex').slice(0, 12)}`;
}

export const SLUG_PATTERN = /^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/;

export function isDepartmentSlug(token: string): boolean {
  return SLUG_PATTERN.test(token);
}

/**
 * The department of an imported event whose log names no department for it (no `org:group`
 * in a log that has groups, or no `org:resource` in one that has only resources; e.g. 18 010
 * automatic events of BPIC 2012). Events keep their place in the journey (activity flow,
 * durations), but projections skip this department when they infer handoffs, as the process-mining
 * reference does for events without the attribute: A → (unassigned) → B is one handoff A → B.
 */
export const UNASSIGNED_DEPARTMENT = '(unassigned)';

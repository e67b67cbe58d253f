import { variantId } from '@journeys/contracts';
import type { JourneyFacts } from './journey-fold.ts';
import type { JourneyPage, JourneySelection } from './queries.ts';
import { departmentPath } from './variants.ts';
import { toSummary } from './views.ts';

/**
 * Which journeys a swimlane page, a variant's or an edge's journey list shows: the
 * selection's fields all hold (absent ones say nothing). `handoffFrom`/`handoffTo`: the
 * journey made that handoff (either end alone also selects). `activeAt`: started at or
 * before it and not completed before it.
 */
export function selects(f: JourneyFacts, s: JourneySelection): boolean {
  if (s.journeyType !== undefined && f.journeyType !== s.journeyType) return false;
  if (s.department !== undefined && !f.departments.includes(s.department)) return false;
  if (s.handoffFrom !== undefined || s.handoffTo !== undefined) {
    if (!f.handoffs.some((h) => (s.handoffFrom === undefined || h.from === s.handoffFrom) && (s.handoffTo === undefined || h.to === s.handoffTo)))
      return false;
  }
  if (s.activeAt !== undefined) {
    const at = Date.parse(s.activeAt);
    if (f.startedAt > at || (f.completedAt !== null && f.completedAt <= at)) return false;
  }
  if (s.variant !== undefined && variantId(departmentPath(f)) !== s.variant) return false;
  return true;
}

/**
 * One page of the selected journeys from `sorted` (newest start first, then journeyId),
 * after `cursor` (the start and id of the last item of the previous page).
 */
export function selectPage(
  sorted: readonly JourneyFacts[],
  selection: JourneySelection,
  page: { cursor?: string; limit: number },
  now: number,
): JourneyPage {
  let start = 0;
  if (page.cursor) {
    const [t, id] = decodeSelectionCursor(page.cursor);
    let lo = 0;
    let hi = sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const f = sorted[mid]!;
      if (f.startedAt < t || (f.startedAt === t && f.journeyId > id)) hi = mid;
      else lo = mid + 1;
    }
    start = lo;
  }
  const limit = Math.max(1, Math.floor(page.limit));
  const items = [];
  let i = start;
  for (; i < sorted.length && items.length < limit; i++) {
    const f = sorted[i]!;
    if (selects(f, selection)) items.push(toSummary(f, now));
  }
  const last = items[items.length - 1];
  const more = i < sorted.length && last !== undefined;
  return {
    items,
    nextCursor: more ? Buffer.from(JSON.stringify([Date.parse(last.startedAt), last.journeyId]), 'utf8').toString('base64url') : null,
  };
}

function decodeSelectionCursor(cursor: string): [number, string] {
  try {
    const v: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(v) && typeof v[0] === 'number' && typeof v[1] === 'string') return [v[0], v[1]];
  } catch {
    // fall through
  }
  throw new Error('invalid cursor');
}

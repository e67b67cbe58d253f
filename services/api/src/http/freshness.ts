import type { Response } from 'express';
import type { Freshness } from '@journeys/contracts';
import type { AppDeps } from '../deps.ts';

/**
 * Says how fresh an analytics or journeys answer is, in a header (for any client) and a
 * field of the body: the store position the read models reflect and whether the
 * projections had caught up. A client that gets `caughtUp: false` knows the figures are
 * partial (a restart still catching up, a rebuild) instead of trusting them.
 */
export function freshness(deps: Pick<AppDeps, 'queries' | 'projectionsCaughtUp'>, res: Response): Freshness {
  const f: Freshness = { position: String(deps.queries.position), caughtUp: deps.projectionsCaughtUp?.() ?? true };
  res.setHeader('Journeys-Position', f.position);
  res.setHeader('Journeys-Caught-Up', String(f.caughtUp));
  return f;
}

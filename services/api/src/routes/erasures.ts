import express, { type Router } from 'express';
import { problemsFromZod } from '@journeys/contracts';
import type { AppDeps } from '../deps.ts';
import { authenticate, authorize } from '../auth/middleware.ts';
import { parseInput } from '../http/query.ts';
import { badRequest, HttpProblem } from '../problem.ts';
import { EmptyQuerySchema, ErasureRequestSchema } from '../schemas.ts';
import { router } from './async.ts';

/** POST /api/erasures (admin): the right to erasure, by crypto-shredding (services/audit). */
export function erasureRoutes(deps: AppDeps): Router {
  const r = router();
  r.post(
    '/api/erasures',
    authenticate(deps.auth),
    authorize('data:erase'),
    (req, _res, next) => {
      if (!req.is('application/json')) throw new HttpProblem(415, 'unsupported-media-type', 'Send JSON: Content-Type: application/json.');
      next();
    },
    express.json({ limit: 4096, strict: true }),
    async (req, res) => {
      parseInput(EmptyQuerySchema, req.query);
      const body = ErasureRequestSchema.safeParse(req.body);
      if (!body.success) throw badRequest('The erasure request is invalid.', problemsFromZod(body.error));
      if (!deps.eraseCustomer) throw new HttpProblem(409, 'conflict', 'This server keeps no per-customer keys (JOURNEY_SHREDDING=off): nothing can be crypto-shredded.');
      const result = await deps.eraseCustomer(body.data.customerRef);
      res.setHeader('Cache-Control', 'no-store');
      res.status(200).json({ erased: result.existed, journeys: result.journeys, erasedAt: result.erasedAt, deadLetters: result.deadLetters });
    },
  );
  return r;
}

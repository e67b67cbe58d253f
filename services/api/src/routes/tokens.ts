import express, { type Router } from 'express';
import { problemsFromZod } from '@journeys/contracts';
import type { AppDeps } from '../deps.ts';
import { authenticate, authorize } from '../auth/middleware.ts';
import { parseDuration } from '../auth/tokens.ts';
import { parseInput } from '../http/query.ts';
import { badRequest, HttpProblem } from '../problem.ts';
import { EmptyQuerySchema, TokenRequestSchema } from '../schemas.ts';
import { router } from './async.ts';

/**
 * POST /api/tokens (admin): what the company's site calls to give a customer a token for
 * the status widget, without holding the signing secret itself.
 */
export function tokenRoutes(deps: AppDeps): Router {
  const r = router();
  r.post(
    '/api/tokens',
    authenticate(deps.auth),
    authorize('tokens:issue'),
    (req, _res, next) => {
      if (!req.is('application/json')) throw new HttpProblem(415, 'unsupported-media-type', 'Send JSON: Content-Type: application/json.');
      next();
    },
    express.json({ limit: 4096, strict: true }),
    async (req, res) => {
      parseInput(EmptyQuerySchema, req.query);
      const body = TokenRequestSchema.safeParse(req.body);
      if (!body.success) {
        throw badRequest('The token request is invalid.', problemsFromZod(body.error));
      }
      const role = body.data.role;
      if ((role === 'customer') !== (body.data.journeyId !== undefined)) {
        throw badRequest('journeyId is required for customer tokens and only for them.', [
          { path: 'journeyId', message: 'required for (only) the customer role', code: 'invalid_value' },
        ]);
      }
      let ttlSeconds: number | undefined;
      try {
        ttlSeconds = body.data.ttl === undefined ? undefined : parseDuration(body.data.ttl);
      } catch (err) {
        throw badRequest('Invalid ttl.', [{ path: 'ttl', message: (err as Error).message, code: 'invalid_format' }]);
      }
      const token = await deps.auth.sign({
        role: role,
        ...(body.data.journeyId !== undefined ? { journeyId: body.data.journeyId } : {}),
        ...(ttlSeconds !== undefined ? { ttlSeconds } : {}),
      });
      const principal = await deps.auth.verify(token);
      res.setHeader('Cache-Control', 'no-store');
      res.status(201).json({ token, role: role, expiresAt: new Date(principal.expiresAt).toISOString() });
    },
  );
  return r;
}

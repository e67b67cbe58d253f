import express, { type Router } from 'express';
import { problemsFromZod } from '@journeys/contracts';
import type { AppDeps } from '../deps.ts';
import { authenticate, authorize } from '../auth/middleware.ts';
import { decodeJwt } from 'jose';
import { parseDuration, TokenError, TokenRequestError } from '../auth/tokens.ts';
import { parseInput } from '../http/query.ts';
import { badRequest, HttpProblem } from '../problem.ts';
import { EmptyQuerySchema, RevocationRequestSchema, TokenRequestSchema } from '../schemas.ts';
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
      let token: string;
      try {
        token = await deps.auth.sign({
          role: role,
          ...(body.data.journeyId !== undefined ? { journeyId: body.data.journeyId } : {}),
          ...(ttlSeconds !== undefined ? { ttlSeconds } : {}),
        });
      } catch (err) {
        if (err instanceof TokenRequestError) throw badRequest('Invalid ttl.', [{ path: 'ttl', message: err.message, code: 'too_big' }]);
        throw err;
      }
      const principal = await deps.auth.verify(token);
      res.setHeader('Cache-Control', 'no-store');
      res.status(201).json({ token, role: role, expiresAt: new Date(principal.expiresAt).toISOString(), ...(principal.jti ? { jti: principal.jti } : {}) });
    },
  );
  r.post(
    '/api/tokens/revocations',
    authenticate(deps.auth),
    authorize('tokens:issue'),
    (req, _res, next) => {
      if (!req.is('application/json')) throw new HttpProblem(415, 'unsupported-media-type', 'Send JSON: Content-Type: application/json.');
      next();
    },
    express.json({ limit: 8192, strict: true }),
    async (req, res) => {
      parseInput(EmptyQuerySchema, req.query);
      const body = RevocationRequestSchema.safeParse(req.body);
      if (!body.success) throw badRequest('The revocation request is invalid.', problemsFromZod(body.error));
      let jti = body.data.jti;
      let until: number | undefined;
      if (body.data.token !== undefined) {
        // Only a token this service signed can be named by its value; an expired one needs no revoking.
        try {
          const p = await deps.auth.verify(body.data.token);
          jti = p.jti;
          until = p.expiresAt;
        } catch (err) {
          if (!(err instanceof TokenError)) throw err;
          if (err.reason !== 'expired' && err.reason !== 'revoked') throw badRequest('That token was not signed by this service.', [{ path: 'token', message: err.message, code: 'invalid_value' }]);
          const claims = decodeJwt(body.data.token);
          jti = typeof claims.jti === 'string' ? claims.jti : undefined;
          until = typeof claims.exp === 'number' ? claims.exp * 1000 : undefined;
        }
        if (jti === undefined) throw badRequest('That token has no id (signed before revocation existed): rotate the key to end it.', [{ path: 'token', message: 'no jti', code: 'invalid_value' }]);
      }
      deps.auth.revoke(jti!, until);
      const revokedUntil = new Date(until ?? Date.now() + Math.max(...(['admin', 'analyst', 'auditor', 'department', 'customer'] as const).map((k) => deps.auth.maxTtlSeconds(k))) * 1000);
      res.setHeader('Cache-Control', 'no-store');
      res.status(200).json({ jti: jti!, revokedUntil: revokedUntil.toISOString() });
    },
  );
  return r;
}

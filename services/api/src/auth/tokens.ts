import { errors, jwtVerify, SignJWT } from 'jose';
import { JourneyIdSchema, RoleSchema, type Role } from '@journeys/contracts';
import { principalFromClaims, type Principal } from './principal.ts';

export const TOKEN_ISSUER = 'journeys';
export const TOKEN_AUDIENCE = 'journeys-api';
/** HS256 wants a key at least as long as its output: 32 bytes. */
export const MIN_SECRET_BYTES = 32;
export const DEFAULT_TTL_SECONDS = 24 * 3600;

export interface SignOptions {
  role: Role;
  /** Required for (and only for) the customer role: the one journey the token opens. */
  journeyId?: string;
  ttlSeconds?: number;
}

export type TokenFailure = 'missing' | 'malformed' | 'expired' | 'invalid';

export class TokenError extends Error {
  override name = 'TokenError';
  constructor(
    readonly reason: TokenFailure,
    message: string,
  ) {
    super(message);
  }
}

export interface Auth {
  sign(options: SignOptions): Promise<string>;
  /** Resolves the caller or throws a TokenError (never says more than why, never echoes the token). */
  verify(token: string): Promise<Principal>;
  /** The principal of a token verified before and not yet expired; undefined otherwise (then call verify). */
  cached(token: string): Principal | undefined;
}

/**
 * Signed tokens (JWT, HS256). A verified token is cached until it expires: verifying an
 * HMAC is cheap but not free, and a status widget repeats the same token on every poll.
 * Only tokens that verified are cached, so forged ones always take the full check.
 */
export function createAuth(options: { secret: string | Uint8Array; cacheSize?: number; now?: () => number }): Auth {
  const key = typeof options.secret === 'string' ? new TextEncoder().encode(options.secret) : options.secret;
  if (key.byteLength < MIN_SECRET_BYTES) {
    throw new Error(`the token signing secret must be at least ${MIN_SECRET_BYTES} bytes (JOURNEY_AUTH_SECRET)`);
  }
  const now = options.now ?? Date.now;
  const cacheSize = options.cacheSize ?? 10_000;
  const cache = new Map<string, Principal>();

  return {
    async sign({ role, journeyId, ttlSeconds = DEFAULT_TTL_SECONDS }) {
      const parsedRole = RoleSchema.parse(role);
      if (parsedRole === 'customer') {
        if (journeyId === undefined) throw new Error('a customer token needs the journey it opens');
        JourneyIdSchema.parse(journeyId);
      } else if (journeyId !== undefined) {
        throw new Error('only customer tokens are bound to a journey');
      }
      if (!Number.isFinite(ttlSeconds) || ttlSeconds <= 0) throw new Error('a token needs a positive lifetime');
      const iat = Math.floor(now() / 1000);
      const jwt = new SignJWT({ role: parsedRole, ...(journeyId !== undefined ? { jid: journeyId } : {}) })
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
        .setIssuer(TOKEN_ISSUER)
        .setAudience(TOKEN_AUDIENCE)
        .setSubject(journeyId !== undefined ? `customer:${journeyId}` : parsedRole)
        .setIssuedAt(iat)
        .setExpirationTime(iat + Math.ceil(ttlSeconds));
      return jwt.sign(key);
    },

    cached(token) {
      const hit = cache.get(token);
      return hit && hit.expiresAt > now() ? hit : undefined;
    },

    async verify(token) {
      const cached = cache.get(token);
      if (cached) {
        if (cached.expiresAt > now()) return cached;
        cache.delete(token);
        throw new TokenError('expired', 'the token has expired');
      }
      if (token.length > 4096 || !/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(token)) {
        throw new TokenError('malformed', 'the token is not a signed JWT');
      }
      let payload: Record<string, unknown>;
      try {
        ({ payload } = await jwtVerify(token, key, {
          algorithms: ['HS256'],
          issuer: TOKEN_ISSUER,
          audience: TOKEN_AUDIENCE,
          requiredClaims: ['exp', 'role'],
          currentDate: new Date(now()),
        }));
      } catch (err) {
        if (err instanceof errors.JWTExpired) throw new TokenError('expired', 'the token has expired');
        throw new TokenError('invalid', 'the token is not valid for this service');
      }
      const principal = principalFromClaims(payload.role, payload.jid, Number(payload.exp) * 1000);
      if (!principal) throw new TokenError('invalid', 'the token names no valid role');
      if (cache.size >= cacheSize) {
        // Evict the oldest entry (Map keeps insertion order): bounded memory, no dependency.
        const first = cache.keys().next();
        if (!first.done) cache.delete(first.value);
      }
      cache.set(token, principal);
      return principal;
    },
  };
}

/** `30s`, `15m`, `12h`, `7d`, `2w`, or plain seconds. */
export function parseDuration(text: string): number {
  const m = /^(\d{1,9})\s*(s|m|h|d|w)?$/.exec(text.trim());
  if (!m) throw new Error(`invalid duration ${JSON.stringify(text)}: use e.g. 30m, 12h, 7d`);
  const n = Number(m[1]);
  const unit = { s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 }[(m[2] ?? 's') as 's'];
  const seconds = n * unit;
  if (seconds <= 0) throw new Error('a duration must be positive');
  return seconds;
}

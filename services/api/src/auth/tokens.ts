import { createHash, randomUUID } from 'node:crypto';
import { decodeProtectedHeader, errors, jwtVerify, SignJWT } from 'jose';
import { JourneyIdSchema, RoleSchema, type Role } from '@journeys/contracts';
import { ABSOLUTE_MAX_TTL_SECONDS, DEFAULT_MAX_TTL_SECONDS } from './lifetimes.ts';
import { principalFromClaims, type Principal, type PrincipalKind } from './principal.ts';
import { createRevocationList, type RevocationList } from './revocations.ts';

export { parseDuration } from './lifetimes.ts';

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

export type TokenFailure = 'missing' | 'malformed' | 'expired' | 'invalid' | 'revoked';

export class TokenError extends Error {
  override name = 'TokenError';
  constructor(
    readonly reason: TokenFailure,
    message: string,
  ) {
    super(message);
  }
}

/** A token that may not be signed as asked (a lifetime past its role's maximum): the caller's mistake, a 400. */
export class TokenRequestError extends Error {
  override name = 'TokenRequestError';
}

export interface Auth {
  sign(options: SignOptions): Promise<string>;
  /** Resolves the caller or throws a TokenError (never says more than why, never echoes the token). */
  verify(token: string): Promise<Principal>;
  /** The principal of a token verified before, not expired and not revoked; undefined otherwise (then call verify). */
  cached(token: string): Principal | undefined;
  /** Denies this token id from now until `untilMs` (default: the longest any token may live). */
  revoke(jti: string, untilMs?: number): void;
  isRevoked(jti: string): boolean;
  /** Called with each revoked token id, so open streams of that token can be ended. */
  onRevoked(listener: (jti: string) => void): () => void;
  /** The longest lifetime a token of this kind may get, in seconds. */
  maxTtlSeconds(kind: PrincipalKind): number;
  close(): void;
}

export interface AuthOptions {
  /** The key new tokens are signed with. */
  secret: string | Uint8Array;
  /** Keys still accepted during a rotation (tokens signed before it keep working until they expire). */
  previousSecrets?: ReadonlyArray<string | Uint8Array>;
  cacheSize?: number;
  now?: () => number;
  /** Per-kind maxima (default DEFAULT_MAX_TTL_SECONDS). */
  maxTtlSeconds?: Partial<Record<PrincipalKind, number>>;
  /** The deny list (default: in memory only). */
  revocations?: RevocationList;
}

const bytes = (s: string | Uint8Array) => (typeof s === 'string' ? new TextEncoder().encode(s) : s);
/** A key's id: a digest prefix, so a token names its key without revealing anything about it. */
export const keyId = (key: Uint8Array) => createHash('sha256').update(key).digest('base64url').slice(0, 12);

/**
 * Signed tokens (JWT, HS256, with `kid` and `jti`). A verified token is cached until it
 * expires: verifying an HMAC is cheap but not free, and a status widget repeats the same
 * token on every poll. Only tokens that verified are cached, so forged ones always take the
 * full check; the deny list is consulted on every request, cached or not.
 */
export function createAuth(options: AuthOptions): Auth {
  const key = bytes(options.secret);
  const keys = [key, ...(options.previousSecrets ?? []).map(bytes)];
  for (const k of keys) {
    if (k.byteLength < MIN_SECRET_BYTES) throw new Error(`the token signing secret must be at least ${MIN_SECRET_BYTES} bytes (JOURNEY_AUTH_SECRET)`);
  }
  const byKid = new Map(keys.map((k) => [keyId(k), k] as const));
  const currentKid = keyId(key);
  const now = options.now ?? Date.now;
  const cacheSize = options.cacheSize ?? 10_000;
  const cache = new Map<string, Principal>();
  const maxTtl = { ...DEFAULT_MAX_TTL_SECONDS, ...options.maxTtlSeconds };
  const revocations = options.revocations ?? createRevocationList({ now });
  const longest = Math.max(...Object.values(maxTtl));

  const live = (p: Principal) => p.expiresAt > now() && (p.jti === undefined || !revocations.has(p.jti));

  async function verifyWith(token: string, candidates: readonly Uint8Array[]): Promise<Record<string, unknown>> {
    let last: unknown;
    for (const k of candidates) {
      try {
        const { payload } = await jwtVerify(token, k, {
          algorithms: ['HS256'],
          issuer: TOKEN_ISSUER,
          audience: TOKEN_AUDIENCE,
          requiredClaims: ['exp', 'role'],
          currentDate: new Date(now()),
        });
        return payload;
      } catch (err) {
        last = err;
        if (err instanceof errors.JWTExpired) break;
      }
    }
    if (last instanceof errors.JWTExpired) throw new TokenError('expired', 'the token has expired');
    throw new TokenError('invalid', 'the token is not valid for this service');
  }

  return {
    async sign({ role, journeyId, ttlSeconds = DEFAULT_TTL_SECONDS }) {
      const parsedRole = RoleSchema.parse(role);
      if (parsedRole === 'customer') {
        if (journeyId === undefined) throw new Error('a customer token needs the journey it opens');
        JourneyIdSchema.parse(journeyId);
      } else if (journeyId !== undefined) {
        throw new Error('only customer tokens are bound to a journey');
      }
      if (!Number.isFinite(ttlSeconds) || ttlSeconds <= 0) throw new TokenRequestError('a token needs a positive lifetime');
      const kind: PrincipalKind = parsedRole.startsWith('department:') ? 'department' : (parsedRole as PrincipalKind);
      const max = Math.min(maxTtl[kind], ABSOLUTE_MAX_TTL_SECONDS);
      if (ttlSeconds > max) {
        throw new TokenRequestError(`a ${kind} token may live at most ${describeSeconds(max)} (asked for ${describeSeconds(ttlSeconds)})`);
      }
      const iat = Math.floor(now() / 1000);
      const jwt = new SignJWT({ role: parsedRole, ...(journeyId !== undefined ? { jid: journeyId } : {}) })
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT', kid: currentKid })
        .setIssuer(TOKEN_ISSUER)
        .setAudience(TOKEN_AUDIENCE)
        .setSubject(journeyId !== undefined ? `customer:${journeyId}` : parsedRole)
        .setJti(randomUUID())
        .setIssuedAt(iat)
        .setExpirationTime(iat + Math.ceil(ttlSeconds));
      return jwt.sign(key);
    },

    cached(token) {
      const hit = cache.get(token);
      return hit && live(hit) ? hit : undefined;
    },

    async verify(token) {
      const cached = cache.get(token);
      if (cached) {
        if (cached.jti !== undefined && revocations.has(cached.jti)) throw new TokenError('revoked', 'the token has been revoked');
        if (cached.expiresAt > now()) return cached;
        cache.delete(token);
        throw new TokenError('expired', 'the token has expired');
      }
      if (token.length > 4096 || !/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(token)) {
        throw new TokenError('malformed', 'the token is not a signed JWT');
      }
      let kid: unknown;
      try {
        kid = decodeProtectedHeader(token).kid;
      } catch {
        throw new TokenError('malformed', 'the token is not a signed JWT');
      }
      // A token names its key; one without a name predates key ids and may be under any key.
      const named = typeof kid === 'string' ? byKid.get(kid) : undefined;
      if (typeof kid === 'string' && !named) throw new TokenError('invalid', 'the token is not valid for this service');
      const payload = await verifyWith(token, named ? [named] : keys);
      const jti = typeof payload.jti === 'string' ? payload.jti : undefined;
      if (jti !== undefined && revocations.has(jti)) throw new TokenError('revoked', 'the token has been revoked');
      const principal = principalFromClaims(payload.role, payload.jid, Number(payload.exp) * 1000, jti);
      if (!principal) throw new TokenError('invalid', 'the token names no valid role');
      if (cache.size >= cacheSize) {
        // Evict the oldest entry (Map keeps insertion order): bounded memory, no dependency.
        const first = cache.keys().next();
        if (!first.done) cache.delete(first.value);
      }
      cache.set(token, principal);
      return principal;
    },

    revoke(jti, untilMs) {
      revocations.add(jti, untilMs ?? now() + longest * 1000);
    },
    isRevoked: (jti) => revocations.has(jti),
    onRevoked: (listener) => revocations.onRevoked(listener),
    maxTtlSeconds: (kind) => Math.min(maxTtl[kind], ABSOLUTE_MAX_TTL_SECONDS),
    close: () => revocations.close(),
  };
}

function describeSeconds(s: number): string {
  if (s % 86_400 === 0) return `${s / 86_400}d`;
  if (s % 3600 === 0) return `${s / 3600}h`;
  if (s % 60 === 0) return `${s / 60}m`;
  return `${s}s`;
}

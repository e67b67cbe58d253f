import { isDepartmentSlug, RoleSchema, type Role } from '@journeys/contracts';

/** Who is calling, as read from a verified token. */
export type Principal = (
  | { kind: 'admin'; role: 'admin' }
  | { kind: 'analyst'; role: 'analyst' }
  | { kind: 'auditor'; role: 'auditor' }
  | { kind: 'metrics'; role: 'metrics' }
  | { kind: 'department'; role: `department:${string}`; department: string }
  | { kind: 'customer'; role: 'customer'; journeyId: string }
) & {
  expiresAt: number;
  /** The token's id (`jti`), what a revocation names; absent on tokens signed before ids. */
  jti?: string;
};

export type PrincipalKind = Principal['kind'];

/** Builds a principal from token claims; undefined when the claims do not make one. */
export function principalFromClaims(role: unknown, journeyId: unknown, expiresAt: number, jti?: string): Principal | undefined {
  const p = fromClaims(role, journeyId, expiresAt);
  return p && jti !== undefined ? { ...p, jti } : p;
}

function fromClaims(role: unknown, journeyId: unknown, expiresAt: number): Principal | undefined {
  const parsed = RoleSchema.safeParse(role);
  if (!parsed.success) return undefined;
  const r: Role = parsed.data;
  switch (r) {
    case 'admin':
    case 'analyst':
    case 'auditor':
    case 'metrics':
      if (journeyId !== undefined) return undefined;
      return { kind: r, role: r, expiresAt } as Principal;
    case 'customer':
      if (typeof journeyId !== 'string' || journeyId.length === 0) return undefined;
      return { kind: 'customer', role: 'customer', journeyId, expiresAt };
    default: {
      const department = r.slice('department:'.length);
      if (!isDepartmentSlug(department) || journeyId !== undefined) return undefined;
      return { kind: 'department', role: r as `department:${string}`, department, expiresAt };
    }
  }
}

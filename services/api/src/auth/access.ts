import type { Principal, PrincipalKind } from './principal.ts';

/**
 * The access matrix (docs/api.md renders the same table). Admin may do everything; a
 * customer only reads the status of the journey its token names (checked in the route).
 */
export type Permission =
  | 'events:publish'
  | 'journeys:read'
  | 'status:read'
  | 'analytics:read'
  | 'workload:read'
  | 'stream:read'
  | 'audit:read'
  | 'metrics:read'
  | 'tokens:issue'
  | 'deadletters:read'
  | 'data:erase';

export const ACCESS: Record<Permission, readonly PrincipalKind[]> = {
  'events:publish': ['admin', 'department'],
  'journeys:read': ['admin', 'analyst', 'auditor'],
  'status:read': ['admin', 'analyst', 'auditor', 'customer'],
  'analytics:read': ['admin', 'analyst'],
  'workload:read': ['admin', 'analyst', 'department'],
  'stream:read': ['admin', 'analyst'],
  'audit:read': ['admin', 'auditor'],
  // A scraper's credential: read-only, long-lived, and good for /metrics alone.
  'metrics:read': ['admin', 'metrics'],
  'tokens:issue': ['admin'],
  'deadletters:read': ['admin'],
  'data:erase': ['admin'],
};

export function can(principal: Principal, permission: Permission): boolean {
  return ACCESS[permission].includes(principal.kind);
}

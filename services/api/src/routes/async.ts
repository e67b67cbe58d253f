import { Router } from 'express';

/** Express 5 forwards rejected promises to the error handler: routers need no wrapper. */
export function router(): Router {
  return Router({ strict: false, caseSensitive: true });
}

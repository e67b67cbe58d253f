import type { RequestHandler } from 'express';

/**
 * The status widget runs on the company's own site and calls the status routes from
 * there. The token travels in the query or the Authorization header, never in cookies, so
 * allowing other origins exposes nothing a token holder could not already read.
 */
export function statusCors(origins: string): RequestHandler {
  const allowed = origins
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  return (req, res, next) => {
    const origin = req.headers.origin;
    if (allowed.includes('*')) res.setHeader('Access-Control-Allow-Origin', '*');
    else if (origin && allowed.includes(origin)) {
      res.setHeader('Access-Control-Allow-Origin', origin);
      res.setHeader('Vary', 'Origin');
    }
    res.setHeader('Access-Control-Expose-Headers', 'ETag, X-Request-Id');
    if (req.method === 'OPTIONS') {
      res.setHeader('Access-Control-Allow-Methods', 'GET, OPTIONS');
      res.setHeader('Access-Control-Allow-Headers', 'Authorization, Last-Event-ID, If-None-Match, Accept');
      res.setHeader('Access-Control-Max-Age', '600');
      res.status(204).end();
      return;
    }
    next();
  };
}

import { createHash } from 'node:crypto';
import type { Request, Response } from 'express';

export function weakEtag(text: string): string {
  return `W/"${createHash('sha1').update(text).digest('base64url').slice(0, 27)}"`;
}

/** Weak comparison (RFC 9110 §13.1.2) against each tag listed in If-None-Match. */
export function matchesIfNoneMatch(req: Request, etag: string): boolean {
  const header = req.headers['if-none-match'];
  if (header === undefined) return false;
  if (header.trim() === '*') return true;
  const opaque = (tag: string) => tag.trim().replace(/^W\//, '');
  const mine = opaque(etag);
  return header.split(',').some((t) => opaque(t) === mine);
}

/**
 * JSON with an ETag, answering 304 when the client already has it. Done here rather than
 * by Express's `req.fresh`, which treats a request's `Cache-Control: no-cache` as "send it
 * all" — fetch() adds that header to every conditional request, and an origin server
 * should still honour If-None-Match (the directive is for caches on the way).
 */
export function sendJson(req: Request, res: Response, body: unknown, etag?: string): void {
  const text = JSON.stringify(body);
  sendSerialised(req, res, Buffer.from(text, 'utf8'), etag ?? weakEtag(text));
}

/**
 * `sendJson` for a body serialised before (the status cache keeps it as bytes): the same
 * headers and 304s, written straight to the socket. Express's `res.send` would copy the body
 * into a new Buffer for its own ETag logic and test `req.fresh` again, both done here already.
 */
export function sendSerialised(req: Request, res: Response, body: Buffer, tag: string): void {
  res.setHeader('ETag', tag);
  // Read models change as events arrive: caches must revalidate, and a 304 costs nothing.
  res.setHeader('Cache-Control', 'private, no-cache');
  if ((req.method === 'GET' || req.method === 'HEAD') && matchesIfNoneMatch(req, tag)) {
    res.status(304).end();
    return;
  }
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.setHeader('Content-Length', body.length);
  if (req.method === 'HEAD') res.end();
  else res.end(body);
}

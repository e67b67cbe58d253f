import type { Request, Router } from 'express';
import type { EventFilter, StoredEvent } from '@journeys/event-store';
import type { AppDeps } from '../deps.ts';
import { authenticate, authorize } from '../auth/middleware.ts';
import { invalidCursor, type CursorCodec } from '../http/cursor.ts';
import { parseInput } from '../http/query.ts';
import { AuditQuerySchema, EmptyQuerySchema } from '../schemas.ts';
import { router } from './async.ts';
import { sendJson } from '../http/etag.ts';

const NDJSON = 'application/x-ndjson';

function wantsNdjson(req: Request): boolean {
  // An explicit preference only: a browser's `*/*` gets the JSON pages.
  return req.accepts(['application/json', NDJSON]) === NDJSON && (req.headers.accept ?? '').includes(NDJSON);
}

export function auditRoutes(deps: AppDeps, cursors: CursorCodec): Router {
  const r = router();
  const { store, auth } = deps;

  /**
   * Every stored event, oldest first. Pages are cut by global position, so a cursor stays
   * valid however much is appended meanwhile. With `Accept: application/x-ndjson` the
   * whole (filtered) history is streamed one event per line: the store is read page by
   * page and each write waits for 'drain', so memory stays flat for any history size.
   */
  r.get('/api/audit/events', authenticate(auth), authorize('audit:read'), async (req, res) => {
    const q = parseInput(AuditQuerySchema, req.query);
    const filter: EventFilter = {
      ...(q.journeyId !== undefined ? { journeyId: q.journeyId } : {}),
      ...(q.department !== undefined ? { department: q.department } : {}),
      ...(q.type !== undefined ? { types: q.type } : {}),
      ...(q.from !== undefined ? { occurredFrom: q.from } : {}),
      ...(q.to !== undefined ? { occurredTo: q.to } : {}),
    };
    const scope = `audit:${JSON.stringify(filter)}`;
    let after: number | undefined;
    if (q.cursor !== undefined) {
      const decoded = cursors.decode(scope, q.cursor);
      after = typeof decoded === 'number' && Number.isSafeInteger(decoded) && decoded >= 0 ? decoded : undefined;
      if (after === undefined) throw invalidCursor();
    }

    if (wantsNdjson(req)) {
      await streamNdjson(req, res, store.readAll({ ...(after !== undefined ? { after } : {}), filter }));
      return;
    }

    const items: StoredEvent[] = [];
    let more = false;
    for await (const event of store.readAll({ ...(after !== undefined ? { after } : {}), filter, maxCount: q.limit + 1 })) {
      if (items.length === q.limit) {
        more = true;
        break;
      }
      items.push(event);
    }
    const last = items.at(-1);
    res.setHeader('Cache-Control', 'private, no-store');
    res.json({ items, nextCursor: more && last ? cursors.encode(scope, last.position) : null });
  });

  r.get('/api/audit/verify', authenticate(auth), authorize('audit:read'), async (req, res) => {
    parseInput(EmptyQuerySchema, req.query);
    const result = deps.verifyAudit ? await deps.verifyAudit() : await store.verify();
    sendJson(req, res, result);
  });

  return r;
}

async function streamNdjson(req: Request, res: import('express').Response, events: AsyncIterable<StoredEvent>): Promise<void> {
  res.status(200);
  res.setHeader('Content-Type', `${NDJSON}; charset=utf-8`);
  res.setHeader('Cache-Control', 'private, no-store');
  let gone = false;
  const onClose = () => {
    gone = true;
  };
  req.on('close', onClose);
  res.on('close', onClose);
  const iterator = events[Symbol.asyncIterator]();
  try {
    // Buffer a few KB per write: one syscall per event would dominate a big export.
    let chunk = '';
    for (;;) {
      const next = await iterator.next();
      if (next.done || gone) break;
      chunk += `${JSON.stringify(next.value)}\n`;
      if (chunk.length >= 64 * 1024) {
        const ok = res.write(chunk);
        chunk = '';
        if (!ok) await drainOrClose(res);
      }
    }
    if (!gone && chunk.length > 0) res.write(chunk);
  } catch (err) {
    // Headers are out: the only honest signal left is to cut the stream (no final newline).
    res.destroy(err instanceof Error ? err : undefined);
    return;
  } finally {
    await iterator.return?.();
  }
  if (!gone) res.end();
}

function drainOrClose(res: import('express').Response): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

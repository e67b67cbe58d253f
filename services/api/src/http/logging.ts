import { randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';
import type { Logger } from 'pino';

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      /** The request id: the caller's X-Request-Id when it looks like one, else a UUID. */
      id?: string;
    }
  }
}

const SECRET_NAMES = new Set(['token', 'access_token', 'id_token', 'refresh_token', 'jwt', 'auth', 'authorization', 'bearer', 'key', 'secret']);
// A JWT anywhere (path, odd parameter name, fragment): three base64url parts, the first a JSON header.
const JWT_LIKE = /eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]+/g;

function decodeName(raw: string): string {
  try {
    return decodeURIComponent(raw.replace(/\+/g, ' ')).trim().toLowerCase();
  } catch {
    return raw.toLowerCase();
  }
}

/**
 * Token values never reach a log line, however they are spelled: a parameter name is
 * compared after percent-decoding (`?tok%65n=` is `token` to the query parser, so it must be
 * to the redactor too) and case folding, and anything shaped like a JWT is masked wherever
 * it sits.
 */
export function redactUrl(url: string | undefined): string | undefined {
  if (url === undefined) return url;
  const q = url.indexOf('?');
  let out = url;
  if (q >= 0) {
    const hash = url.indexOf('#', q);
    const query = url.slice(q + 1, hash < 0 ? undefined : hash);
    const redacted = query
      .split('&')
      .map((pair) => {
        const eq = pair.indexOf('=');
        const name = eq < 0 ? pair : pair.slice(0, eq);
        return eq >= 0 && SECRET_NAMES.has(decodeName(name)) ? `${name}=[REDACTED]` : pair;
      })
      .join('&');
    out = url.slice(0, q + 1) + redacted + (hash < 0 ? '' : url.slice(hash));
  }
  return out.replace(JWT_LIKE, '[REDACTED]');
}

/**
 * Request ids and one structured log line per request. `X-Request-Id` is taken from the
 * caller when it looks like an id (so traces join up across proxies), generated otherwise,
 * and echoed back. The line is written when the response finishes: 5xx at error, 4xx at
 * info, the rest at debug (a busy status widget would otherwise drown the log). It holds
 * an allow-list of fields — no headers at all, so `authorization` and cookies cannot leak,
 * and the URL with `token=` redacted. (pino-http does the same with a child logger per
 * request; this costs nothing for the requests that are not logged, which matters on the
 * status route's hot path: see docs/benchmarks/api.md.)
 */
export function requestLogging(logger: Logger): RequestHandler {
  return (req, res, next) => {
    const given = req.headers['x-request-id'];
    const id = typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    req.id = id;
    res.setHeader('X-Request-Id', id);
    const start = process.hrtime.bigint();
    // One listener: a response emits 'close' after 'finish', and alone when it was cut short.
    res.once('close', () => {
      const status = res.statusCode;
      const level = !res.writableFinished && status < 400 ? 'info' : status >= 500 ? 'error' : status >= 400 ? 'info' : 'debug';
      if (!logger.isLevelEnabled(level)) return;
      const ms = Number(process.hrtime.bigint() - start) / 1e6;
      logger[level](
        {
          req: { id, method: req.method, url: redactUrl(req.originalUrl) },
          res: { statusCode: status },
          responseTime: Math.round(ms * 10) / 10,
          ...(res.writableFinished ? {} : { aborted: true }),
        },
        `${req.method} ${redactUrl(req.originalUrl)} ${status}`,
      );
    });
    next();
  };
}

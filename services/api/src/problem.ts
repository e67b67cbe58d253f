import type { ErrorRequestHandler, Response } from 'express';
import type { Problem, ValidationProblem } from '@journeys/contracts';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json; charset=utf-8';
const TYPE_BASE = 'https://journeys.dev/problems/';

/** Short names of the problems we raise; each is documented in docs/api.md. */
export type ProblemKind =
  | 'invalid-request'
  | 'malformed-json'
  | 'unauthorized'
  | 'forbidden'
  | 'not-found'
  | 'method-not-allowed'
  | 'conflict'
  | 'payload-too-large'
  | 'unsupported-media-type'
  | 'not-acceptable'
  | 'too-many-requests'
  | 'bus-unavailable'
  | 'not-ready'
  | 'internal';

const TITLES: Record<ProblemKind, string> = {
  'invalid-request': 'The request is invalid',
  'malformed-json': 'The body is not valid JSON',
  unauthorized: 'Authentication required',
  forbidden: 'Not allowed for this token',
  'not-found': 'Not found',
  'method-not-allowed': 'Method not allowed',
  conflict: 'Conflict',
  'payload-too-large': 'Payload too large',
  'unsupported-media-type': 'Unsupported media type',
  'not-acceptable': 'Not acceptable',
  'too-many-requests': 'Too many requests',
  'bus-unavailable': 'The event bus is unavailable',
  'not-ready': 'Not ready',
  internal: 'Internal error',
};

/**
 * An error that already knows its HTTP answer. Route code throws these; the error handler
 * turns them into `application/problem+json`, so no handler writes error bodies itself.
 */
export class HttpProblem extends Error {
  override name = 'HttpProblem';
  constructor(
    readonly status: number,
    readonly kind: ProblemKind,
    detail?: string,
    readonly extra: { problems?: ValidationProblem[]; headers?: Record<string, string>; members?: Record<string, unknown> } = {},
  ) {
    super(detail ?? TITLES[kind]);
  }

  toProblem(instance?: string): Problem & Record<string, unknown> {
    return {
      type: TYPE_BASE + this.kind,
      title: TITLES[this.kind],
      status: this.status,
      detail: this.message,
      ...(instance ? { instance } : {}),
      ...(this.extra.problems ? { problems: this.extra.problems } : {}),
      ...this.extra.members,
    };
  }
}

export const badRequest = (detail: string, problems?: ValidationProblem[]) =>
  new HttpProblem(400, 'invalid-request', detail, problems ? { problems } : {});
export const notFound = (detail: string) => new HttpProblem(404, 'not-found', detail);
export const forbidden = (detail: string, problems?: ValidationProblem[]) =>
  new HttpProblem(403, 'forbidden', detail, problems ? { problems } : {});
export const unauthorized = (detail: string, error: 'invalid_token' | 'invalid_request' = 'invalid_token') =>
  new HttpProblem(401, 'unauthorized', detail, {
    // RFC 6750: tell the client which scheme and why, without echoing the token.
    headers: { 'WWW-Authenticate': `Bearer realm="journeys", error="${error}"` },
  });

export function sendProblem(res: Response, problem: HttpProblem, instance?: string): void {
  for (const [name, value] of Object.entries(problem.extra.headers ?? {})) res.setHeader(name, value);
  res
    .status(problem.status)
    .type(PROBLEM_CONTENT_TYPE)
    .send(JSON.stringify(problem.toProblem(instance)));
}

/** body-parser and router errors carry `type`/`status`; map the ones bad input can cause. */
function fromFrameworkError(err: { type?: unknown; status?: unknown; statusCode?: unknown; message?: unknown }): HttpProblem | undefined {
  switch (err.type) {
    case 'entity.parse.failed':
      return new HttpProblem(400, 'malformed-json', 'The request body is not valid JSON (or not an object or array).');
    case 'entity.too.large':
      return new HttpProblem(413, 'payload-too-large', 'The request body is larger than the limit of 1 000 000 bytes.');
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new HttpProblem(415, 'unsupported-media-type', 'Send the body as UTF-8 JSON (identity, gzip or deflate encoded).');
    case 'request.aborted':
    case 'request.size.invalid':
    case 'stream.encoding.set':
    case 'stream.not.readable':
      return new HttpProblem(400, 'invalid-request', 'The request body could not be read.');
    default:
      break;
  }
  const status = typeof err.status === 'number' ? err.status : typeof err.statusCode === 'number' ? err.statusCode : undefined;
  // e.g. a malformed percent-encoding in a path parameter (router raises a URIError with status 400).
  if (status !== undefined && status >= 400 && status < 500) {
    return new HttpProblem(
      status,
      status === 404 ? 'not-found' : 'invalid-request',
      status === 400 ? 'The request URL or body could not be decoded.' : undefined,
    );
  }
  return undefined;
}

/** The last middleware: everything that went wrong becomes problem+json; 5xx never carry internals. */
export function problemHandler(log: { error: (obj: object, msg: string) => void }): ErrorRequestHandler {
  return (err: unknown, req, res, _next) => {
    if (res.headersSent) {
      // Too late for a status: cut the connection so the client sees a failure, not a truncated success.
      res.destroy(err instanceof Error ? err : undefined);
      return;
    }
    const problem = err instanceof HttpProblem ? err : (typeof err === 'object' && err !== null && fromFrameworkError(err)) || undefined;
    if (problem) {
      sendProblem(res, problem, req.originalUrl.split('?')[0]);
      return;
    }
    log.error({ err, reqId: req.id }, 'unhandled error');
    sendProblem(res, new HttpProblem(500, 'internal', 'Something went wrong on our side; the request id identifies it in the logs.'));
  };
}

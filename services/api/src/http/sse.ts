import type { Request, Response } from 'express';

export interface SseMessage {
  id?: string | number;
  event?: string;
  data: unknown;
}

export function formatSse(message: SseMessage): string {
  let out = '';
  if (message.id !== undefined) out += `id: ${message.id}\n`;
  if (message.event !== undefined) out += `event: ${message.event}\n`;
  // JSON.stringify never emits a raw newline, so one data line is always enough.
  out += `data: ${JSON.stringify(message.data)}\n\n`;
  return out;
}

/**
 * One server-sent-event connection that respects back-pressure. A write that the socket
 * cannot take at once marks the channel `blocked`; nothing more is written until 'drain',
 * and then `onDrain` is asked for whatever is newest. Callers therefore keep at most their
 * latest state per client (not a queue), so a slow client costs bounded memory and simply
 * skips intermediate versions.
 */
export class SseChannel {
  private blocked = false;
  private closed = false;
  private heartbeat: NodeJS.Timeout | undefined;
  private expiry: NodeJS.Timeout | undefined;
  private readonly closeListeners: Array<() => void> = [];
  onDrain: (() => void) | undefined;

  constructor(
    private readonly req: Request,
    private readonly res: Response,
    options: { heartbeatMs: number; retryMs?: number; closeAt?: number },
  ) {
    res.status(200);
    res.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
    res.setHeader('Cache-Control', 'no-cache, no-transform');
    // Proxies such as nginx buffer responses unless told not to; SSE must not be buffered.
    res.setHeader('X-Accel-Buffering', 'no');
    res.flushHeaders();
    req.socket.setNoDelay(true);
    req.socket.setKeepAlive(true);
    this.write(`retry: ${options.retryMs ?? 2000}\n\n`);
    this.heartbeat = setInterval(() => {
      if (!this.blocked) this.write(`: heartbeat ${Date.now()}\n\n`);
    }, options.heartbeatMs);
    this.heartbeat.unref();
    if (options.closeAt !== undefined) {
      // setTimeout takes at most ~24.8 days; longer-lived tokens get re-armed on the way.
      const arm = () => {
        const left = options.closeAt! - Date.now();
        if (left <= 0) {
          this.sendNow({ event: 'token-expired', data: { reason: 'the token has expired; fetch a new one and reconnect' } });
          this.close();
          return;
        }
        this.expiry = setTimeout(arm, Math.min(left, 2 ** 31 - 1));
        this.expiry.unref();
      };
      arm();
    }
    const onGone = () => this.close();
    req.on('close', onGone);
    res.on('close', onGone);
    res.on('error', onGone);
    res.on('drain', () => {
      this.blocked = false;
      this.onDrain?.();
    });
  }

  get isBlocked(): boolean {
    return this.blocked;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Writes when the socket can take it; returns false (and writes nothing) while blocked. */
  trySend(message: SseMessage): boolean {
    if (this.blocked || this.closed) return false;
    this.write(formatSse(message));
    return true;
  }

  /** Writes a last message (even when blocked) and closes: a revoked or expired token. */
  end(message: SseMessage): void {
    this.sendNow(message);
    this.close();
  }

  /** Writes even when blocked: only for the final message before closing. */
  private sendNow(message: SseMessage): void {
    if (!this.closed) this.res.write(formatSse(message));
  }

  private write(text: string): void {
    if (this.closed) return;
    if (!this.res.write(text)) this.blocked = true;
  }

  onClose(listener: () => void): void {
    if (this.closed) listener();
    else this.closeListeners.push(listener);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.heartbeat);
    clearTimeout(this.expiry);
    for (const l of this.closeListeners.splice(0)) l();
    if (!this.res.writableEnded) this.res.end();
  }
}

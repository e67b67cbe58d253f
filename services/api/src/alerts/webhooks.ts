import { createHmac, randomUUID } from 'node:crypto';
import type { AlertDigest } from '@journeys/contracts';

/**
 * Optional webhooks (JOURNEY_ALERT_WEBHOOKS, comma-separated URLs): each digest is POSTed as
 * JSON with `X-Journeys-Signature: sha256=<hex HMAC-SHA256 of the body>` under
 * JOURNEY_ALERT_WEBHOOK_SECRET, and `X-Journeys-Delivery` (the same on every retry, for the
 * receiver's deduplication). A failure (network or non-2xx) is retried with exponential backoff.
 */
export interface WebhookOptions {
  urls: readonly string[];
  secret: string;
  /** Attempts in all; default 5. */
  attempts?: number;
  /** First retry delay; doubles each time. Default 1 s. */
  backoffMs?: number;
  timeoutMs?: number;
  onFailure?: (url: string, err: Error, attempt: number, final: boolean) => void;
}

export function signBody(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

export interface WebhookSender {
  send(digest: AlertDigest): void;
  /** Resolves once every delivery in flight has succeeded or given up. */
  drain(): Promise<void>;
  stop(): void;
}

export function createWebhookSender(options: WebhookOptions): WebhookSender {
  const attempts = options.attempts ?? 5;
  const backoff = options.backoffMs ?? 1000;
  const inFlight = new Set<Promise<void>>();
  let stopped = false;
  const sleeping = new Set<() => void>();
  // Unref'd and cut short by stop(): a receiver that is down must not hold up shutdown.
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        sleeping.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      timer.unref();
      sleeping.add(wake);
    });
  const deliver = async (url: string, body: string, delivery: string) => {
    for (let attempt = 1; attempt <= attempts && !stopped; attempt++) {
      try {
        const res = await fetch(url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'x-journeys-signature': signBody(options.secret, body),
            'x-journeys-delivery': delivery,
          },
          body,
          // A redirect would carry the signed digest to a host nobody configured.
          redirect: 'error',
          signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
        });
        await res.body?.cancel();
        if (res.ok) return;
        throw new Error(`HTTP ${res.status}`);
      } catch (err) {
        options.onFailure?.(url, err as Error, attempt, attempt === attempts);
        if (attempt < attempts && !stopped) await sleep(backoff * 2 ** (attempt - 1));
      }
    }
  };
  return {
    send(digest) {
      if (stopped) return;
      const body = JSON.stringify(digest);
      const delivery = randomUUID();
      for (const url of options.urls) {
        const p = deliver(url, body, delivery).finally(() => inFlight.delete(p));
        inFlight.add(p);
      }
    },
    async drain() {
      while (inFlight.size > 0) await Promise.all([...inFlight]);
    },
    stop() {
      stopped = true;
      for (const wake of [...sleeping]) wake();
    },
  };
}

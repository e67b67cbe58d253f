import { appendFileSync, chmodSync, existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * The deny list of revoked token ids (`jti`), each kept until the token would have expired
 * anyway, so the list never grows past the tokens alive. With a file (JSON lines, mode
 * 0600) revocations survive a restart and reach every process on the machine: `journey
 * token --revoke` appends to it, and a running server re-reads it when it changes.
 */
export interface RevocationList {
  has(jti: string): boolean;
  /** Revokes until `untilMs` (epoch ms; the token's own expiry). */
  add(jti: string, untilMs: number): void;
  /** Called with each newly revoked id (from this process or read from the file). */
  onRevoked(listener: (jti: string) => void): () => void;
  size(): number;
  close(): void;
}

export function createRevocationList(options: { file?: string; now?: () => number; pollMs?: number } = {}): RevocationList {
  const now = options.now ?? Date.now;
  const entries = new Map<string, number>();
  const listeners = new Set<(jti: string) => void>();
  const file = options.file;
  let seenSize = -1;
  let seenMtime = -1;

  const remember = (jti: string, until: number) => {
    if (until <= now() || (entries.get(jti) ?? 0) >= until) return;
    const fresh = !entries.has(jti);
    entries.set(jti, until);
    if (fresh) for (const l of listeners) l(jti);
  };
  const prune = () => {
    const t = now();
    for (const [jti, until] of entries) if (until <= t) entries.delete(jti);
  };
  const reload = () => {
    if (!file || !existsSync(file)) return;
    const info = statSync(file);
    if (info.size === seenSize && info.mtimeMs === seenMtime) return;
    seenSize = info.size;
    seenMtime = info.mtimeMs;
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      if (line.trim() === '') continue;
      try {
        const { jti, until } = JSON.parse(line) as { jti?: unknown; until?: unknown };
        if (typeof jti === 'string' && typeof until === 'number') remember(jti, until);
      } catch {
        // a torn last line (a writer killed mid-append): the rest still counts
      }
    }
  };
  reload();
  const timer = file ? setInterval(() => {
    try {
      reload();
      prune();
    } catch {
      // the file vanished or is unreadable for a moment: keep what we have
    }
  }, options.pollMs ?? 2000) : undefined;
  timer?.unref();

  return {
    has(jti) {
      const until = entries.get(jti);
      if (until === undefined) return false;
      if (until > now()) return true;
      entries.delete(jti);
      return false;
    },
    add(jti, untilMs) {
      if (file) {
        mkdirSync(dirname(file), { recursive: true });
        appendFileSync(file, `${JSON.stringify({ jti, until: untilMs, at: new Date(now()).toISOString() })}\n`, { mode: 0o600 });
        chmodSync(file, 0o600);
      }
      remember(jti, untilMs);
    },
    onRevoked(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    size: () => entries.size,
    close() {
      if (timer) clearInterval(timer);
      listeners.clear();
    },
  };
}

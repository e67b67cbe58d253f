/** A minimal server-sent-events client over fetch, for tests: events and comments as they arrive. */
export interface SseFrame {
  id?: string;
  event: string;
  data: string;
  /** Comment lines (heartbeats) seen before this frame. */
  at: number;
}

export interface SseClient {
  status: number;
  frames: SseFrame[];
  comments: string[];
  /** Resolves with the first frame (already received or future) that matches. */
  next(match: (f: SseFrame) => boolean, timeoutMs?: number): Promise<SseFrame>;
  /** Resolves when the server ends the stream. */
  ended: Promise<void>;
  close(): void;
}

export async function openSse(url: string, headers: Record<string, string> = {}): Promise<SseClient> {
  const controller = new AbortController();
  const res = await fetch(url, { headers: { accept: 'text/event-stream', ...headers }, signal: controller.signal });
  const frames: SseFrame[] = [];
  const comments: string[] = [];
  const waiters = new Set<{ match: (f: SseFrame) => boolean; resolve: (f: SseFrame) => void }>();
  let endResolve!: () => void;
  const ended = new Promise<void>((r) => (endResolve = r));

  const pump = async () => {
    if (!res.body) return endResolve();
    const reader = res.body.getReader();
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        buffer += decoder.decode(value, { stream: true });
        let cut: number;
        while ((cut = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, cut);
          buffer = buffer.slice(cut + 2);
          const frame: SseFrame = { event: 'message', data: '', at: Date.now() };
          let hasData = false;
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) comments.push(line.slice(1).trim());
            else if (line.startsWith('id: ')) frame.id = line.slice(4);
            else if (line.startsWith('event: ')) frame.event = line.slice(7);
            else if (line.startsWith('data: ')) {
              frame.data += line.slice(6);
              hasData = true;
            }
          }
          if (!hasData) continue;
          frames.push(frame);
          for (const w of [...waiters]) {
            if (w.match(frame)) {
              waiters.delete(w);
              w.resolve(frame);
            }
          }
        }
      }
    } catch {
      // aborted by close()
    }
    endResolve();
  };
  void pump();

  return {
    status: res.status,
    frames,
    comments,
    ended,
    next(match, timeoutMs = 5000) {
      const found = frames.find(match);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const w = { match, resolve };
        waiters.add(w);
        setTimeout(() => {
          if (waiters.delete(w))
            reject(new Error(`no matching SSE frame within ${timeoutMs} ms; got ${JSON.stringify(frames.map((f) => f.event))}`));
        }, timeoutMs).unref();
      });
    },
    close: () => controller.abort(),
  };
}

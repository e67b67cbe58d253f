import type { JourneyEvent } from '@journeys/contracts';
import type { EventBus } from '@journeys/bus';
import { createEmitter, type EmitInput, type Emitter } from '@journeys/emitter';

/** Where simulated events go: the emitter SDK (over NATS or in-process), HTTP, or a test's array. */
export interface EventSink {
  send(events: readonly JourneyEvent[]): Promise<void>;
  close(): Promise<void>;
}

function toInput(e: JourneyEvent): EmitInput {
  const meta = {
    id: e.id,
    occurredAt: e.occurredAt,
    ...(e.actor !== undefined ? { actor: e.actor } : {}),
    ...(e.correlationId !== undefined ? { correlationId: e.correlationId } : {}),
    ...(e.causationId !== undefined ? { causationId: e.causationId } : {}),
  };
  return { ...meta, type: e.type, journeyId: e.journeyId, data: e.data } as EmitInput;
}

/**
 * Sends through one emitter per department, as each department's own system would: the
 * events keep their simulated ids and times, so sending them again is harmless.
 */
export function emitterSink(options: { bus: EventBus }): EventSink {
  const emitters = new Map<string, Emitter>();
  const emitterFor = (department: string): Emitter => {
    let e = emitters.get(department);
    if (!e) {
      e = createEmitter({ department, bus: options.bus });
      emitters.set(department, e);
    }
    return e;
  };
  return {
    async send(events) {
      const byDepartment = new Map<string, EmitInput[]>();
      for (const e of events) {
        const list = byDepartment.get(e.department);
        if (list) list.push(toInput(e));
        else byDepartment.set(e.department, [toInput(e)]);
      }
      await Promise.all([...byDepartment].map(([department, inputs]) => emitterFor(department).emitMany(inputs)));
    },
    async close() {
      await Promise.all([...emitters.values()].map((e) => e.close()));
    },
  };
}

/** POSTs to a running server's `POST /api/events` with a department or admin token. */
export function httpSink(options: { url: string; token: string; fetch?: typeof fetch }): EventSink {
  const endpoint = new URL('/api/events', options.url).href;
  const doFetch = options.fetch ?? fetch;
  return {
    async send(events) {
      if (events.length === 0) return;
      const res = await doFetch(endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${options.token}` },
        body: JSON.stringify(events),
      });
      if (res.status !== 202) {
        const body = await res.text();
        let detail = body.slice(0, 500);
        try {
          const problem = JSON.parse(body) as { title?: string; detail?: string };
          detail = problem.detail ?? problem.title ?? detail;
        } catch {
          // not problem+json: keep the raw text
        }
        throw new Error(`POST ${endpoint} answered ${res.status}: ${detail}`);
      }
    },
    async close() {},
  };
}

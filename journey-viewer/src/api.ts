import type {
  Alert,
  HandoffAnalytics,
  JourneySummary,
  JourneyTimeline,
  ProcessMap,
  Replay,
  DepartmentWorkload,
  Problem,
  AbstractedProcessMap,
  DepartmentFocus,
  OrgUnits,
  Variants,
} from '@journeys/contracts';

/**
 * The viewer's only door to the API. The analyst token comes from `?token=` once, is kept
 * in sessionStorage (so a reload or a shared link without it still works in this tab) and
 * is stripped from the address bar so it does not end up in screenshots or history.
 */
const TOKEN_KEY = 'journeys.analystToken';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly problem: Partial<Problem>,
  ) {
    super(problem.detail ?? problem.title ?? `HTTP ${status}`);
  }
  get isAuth(): boolean {
    return this.status === 401 || this.status === 403;
  }
}

export function takeToken(loc: Location = window.location, storage: Storage = window.sessionStorage): string | null {
  const url = new URL(loc.href);
  const fromUrl = url.searchParams.get('token');
  if (fromUrl) {
    storage.setItem(TOKEN_KEY, fromUrl);
    url.searchParams.delete('token');
    window.history.replaceState(null, '', url.pathname + url.search + url.hash);
    return fromUrl;
  }
  return storage.getItem(TOKEN_KEY);
}

export function forgetToken(storage: Storage = window.sessionStorage): void {
  storage.removeItem(TOKEN_KEY);
}

export interface Filter {
  journeyType?: string | undefined;
  from?: string | undefined;
  to?: string | undefined;
}

export interface JourneyPage {
  items: JourneySummary[];
  nextCursor: string | null;
}

export interface ListQuery {
  journeyType?: string | undefined;
  department?: string | undefined;
  state?: string | undefined;
  /** selection: exactly a variant's journeys, an edge's, or those open at an instant */
  variant?: string | undefined;
  handoffFrom?: string | undefined;
  handoffTo?: string | undefined;
  activeAt?: string | undefined;
  cursor?: string | undefined;
  limit?: number | undefined;
}

/** What the server cuts the map down to (the sliders, focus and roll-up). */
export interface Abstraction {
  departments?: number | undefined;
  paths?: number | undefined;
  pathsBy?: 'journeys' | 'delay' | undefined;
  focus?: string | undefined;
  groupBy?: string | undefined;
  expand?: string | undefined;
}

function query(params: object): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  }
  const s = q.toString();
  return s ? `?${s}` : '';
}

export function createApi(token: string | null, base = '') {
  async function get<T>(path: string, signal?: AbortSignal): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (token) headers.authorization = `Bearer ${token}`;
    const res = await fetch(base + path, { headers, signal: signal ?? null });
    if (!res.ok) {
      let problem: Partial<Problem> = { title: res.statusText, status: res.status };
      try {
        problem = (await res.json()) as Problem;
      } catch {
        // not a problem document: keep the status line
      }
      throw new ApiError(res.status, problem);
    }
    return (await res.json()) as T;
  }

  return {
    token,
    processMap: (f: Filter = {}, a: Abstraction = {}) => get<AbstractedProcessMap>(`/api/analytics/process-map${query({ ...f, ...a })}`),
    handoffs: (f: Filter = {}) => get<HandoffAnalytics>(`/api/analytics/handoffs${query(f)}`),
    departments: () => get<{ asOf: string; departments: DepartmentWorkload[] }>(`/api/analytics/departments`),
    replay: (asOf: string, f: Filter = {}, a: Omit<Abstraction, 'groupBy' | 'expand'> = {}, signal?: AbortSignal) =>
      get<Replay & { processMap: AbstractedProcessMap }>(`/api/replay${query({ asOf, ...f, ...a })}`, signal),
    variants: (f: Filter = {}, limit = 100) => get<Variants>(`/api/analytics/variants${query({ ...f, limit })}`),
    focus: (department: string, f: Filter = {}) => get<DepartmentFocus>(`/api/analytics/focus${query({ department, ...f })}`),
    /** null when the server has no org units configured */
    async orgUnits(): Promise<OrgUnits | null> {
      try {
        return await get<OrgUnits>('/api/org-units');
      } catch (err) {
        if (err instanceof ApiError && err.status === 404) return null;
        throw err;
      }
    },
    journeys: (q: ListQuery = {}) => get<JourneyPage>(`/api/journeys${query(q)}`),
    timeline: (id: string) => get<JourneyTimeline>(`/api/journeys/${encodeURIComponent(id)}`),
    /** One page of full timelines (swimlanes, replay tokens): the server pages, the viewer never cuts. */
    timelines: (q: ListQuery = {}, signal?: AbortSignal) =>
      get<{ items: JourneyTimeline[]; nextCursor: string | null }>(`/api/timelines${query(q)}`, signal),
    /** Open silo alerts, newest change first (one page of up to 500; `nextCursor` says there are more). */
    openAlerts: () => get<{ items: Alert[]; nextCursor: string | null }>('/api/alerts?state=open&limit=500'),
    /** Alert digests as they happen (and `resync`): the caller reloads the list on each. */
    alertStream(onChange: () => void): () => void {
      if (typeof EventSource === 'undefined') return () => {};
      const es = new EventSource(`${base}/api/alerts/stream${query({ token })}`);
      for (const type of ['alerts', 'resync']) es.addEventListener(type, () => onChange());
      return () => es.close();
    },
    /** The analyst change stream; EventSource cannot send headers, so the token rides in the query. */
    stream(onChange: () => void, onError?: () => void, onOpen?: () => void): () => void {
      if (typeof EventSource === 'undefined') return () => {};
      const es = new EventSource(`${base}/api/stream${query({ token })}`);
      const handler = () => onChange();
      es.onmessage = handler;
      for (const type of ['journey', 'resync']) es.addEventListener(type, handler);
      es.onerror = () => onError?.();
      es.onopen = () => onOpen?.();
      return () => es.close();
    },
  };
}

export type Api = ReturnType<typeof createApi>;

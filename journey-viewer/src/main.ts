import './style.css';
import * as d3 from 'd3';
import type { AbstractedProcessMap, JourneyTimeline, OrgUnits, ProcessMap, Replay } from '@journeys/contracts';
import { ApiError, createApi, forgetToken, takeToken, type Abstraction, type Api, type Filter, type ListQuery } from './api.ts';
import { createMapView, type MapOptions } from './map.ts';
import { createSwimlaneView } from './swimlanes.ts';
import { renderTimeline } from './timeline-panel.ts';
import { renderHotspots } from './hotspots.ts';
import { rankHotspots, tokensAt } from './model.ts';
import { renderFocus } from './focus-panel.ts';
import { renderVariants } from './variants-view.ts';
import { createTooltip } from './tooltip.ts';
import { formatDuration, formatInstant } from './format.ts';
import { startAlertsPanel } from './alerts-panel.ts';
import { preloadLayout } from './layout.ts';

type View = 'map' | 'swimlanes' | 'replay' | 'variants' | 'hotspots';
const view0 = (): View => (location.hash.slice(1) as View) || 'map';

const $ = <T extends Element = HTMLElement>(sel: string) => document.querySelector<T>(sel)!;
const params = new URLSearchParams(location.search);
/** journeys per swimlane page (the server pages; `?limit=` for the bench) */
const PAGE_SIZE = Math.min(1000, Number(params.get('limit')) || 200);
/** replay tokens drawn for at most this many of the journeys open at the instant */
const TOKEN_LIMIT = 300;

const token = takeToken();
const api: Api = createApi(token);
if (view0() === 'map') preloadLayout();
const tooltip = createTooltip();
const message = $('#message');

function say(text: string | null, kind: 'error' | 'info' = 'error'): void {
  message.hidden = !text;
  message.textContent = text ?? '';
  message.className = `message ${kind}`;
}

function fail(err: unknown): void {
  if (err instanceof ApiError && err.isAuth) {
    forgetToken();
    say(
      err.status === 401
        ? 'The analyst token was rejected (expired or not signed by this server). Open the viewer with a fresh one: journey token --role analyst, then /?token=<token>.'
        : 'This token is not an analyst token. Open the viewer with one from: journey token --role analyst.',
    );
  } else {
    say(`Could not load data: ${err instanceof Error ? err.message : String(err)}`);
  }
  document.body.dataset.state = 'error';
}

// ---- state ---------------------------------------------------------------------------
let filter: Filter = {};
let view: View = view0();
let processMap: AbstractedProcessMap | null = null;
const stale = new Set<View>(['map', 'swimlanes', 'replay', 'variants', 'hotspots']);
let orgUnits: OrgUnits | null = null;
/** the department (or unit) the map is focused on, and the unit drilled into */
let focus: string | undefined;
let expand: string | undefined;

function mapOptions(): MapOptions {
  const form = $('#view-map');
  return {
    mode: (form.querySelector<HTMLInputElement>('input[name=mode]:checked')?.value ?? 'frequency') as MapOptions['mode'],
    stat: (form.querySelector<HTMLSelectElement>('select[name=stat]')?.value ?? 'p50') as MapOptions['stat'],
  };
}

/** The sliders, focus and roll-up: the server cuts the map down, the browser draws what it gets. */
function abstraction(): Abstraction {
  const form = $('#view-map');
  const value = (name: string) => form.querySelector<HTMLInputElement>(`[name=${name}]`)?.value ?? '';
  const groupBy = value('groupBy') || undefined;
  return {
    departments: Number(value('departments')) || 25,
    paths: Number(value('paths')),
    pathsBy: (form.querySelector<HTMLInputElement>('input[name=pathsBy]:checked')?.value ?? 'journeys') as 'journeys' | 'delay',
    focus,
    groupBy,
    expand: groupBy ? expand : undefined,
  };
}

// ---- journey map ---------------------------------------------------------------------
const mapView = createMapView($('#map'), tooltip, {
  onEdgeClick: (e) => void showEdgeJourneys(e.from, e.to),
  onNodeClick: (d) => {
    // a unit with several teams opens into them; a department opens its focus
    if (abstraction().groupBy && d.members && d.members.length > 1 && expand !== d.department) {
      expand = d.department;
      void loadMap().catch(fail);
    } else void setFocus(d.department);
  },
});

/**
 * User Timing marks around each first draw (data already fetched, until the next frame is
 * painted): what `pnpm bench render` reads. Harmless in normal use.
 */
async function timed(name: string, draw: () => unknown): Promise<void> {
  performance.mark(`${name}:start`);
  await draw();
  await new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
  performance.measure(name, `${name}:start`);
}

let mapRequest = 0;
async function loadMap(): Promise<void> {
  const mine = ++mapRequest;
  performance.mark('journeys:first-map:start');
  const m = await api.processMap(filter, abstraction());
  if (mine !== mapRequest) return; // a newer slider position won
  processMap = m;
  await timed('journeys:render-map', drawMap);
  if (!document.body.dataset.mapReady) performance.measure('journeys:first-map', 'journeys:first-map:start');
  document.body.dataset.mapReady = 'true';
  document.body.dataset.mapRevision = String(mine);
}
async function drawMap(): Promise<void> {
  if (!processMap) return;
  const o = mapOptions();
  const a = abstraction();
  $('#view-map output[name=departmentsOut]').textContent = String(a.departments);
  $('#view-map output[name=pathsOut]').textContent = String(a.paths);
  await mapView.update(processMap, o);
  const info = processMap.abstraction;
  const hidden = $('#hidden-count');
  if (info) {
    const slider = $<HTMLInputElement>('#view-map input[name=departments]');
    // never below the defaults: a roll-up to 5 units must not clamp the departments slider to 5
    slider.max = String(Math.max(60, Math.min(info.departments.total, 150)));
    const paths = $<HTMLInputElement>('#view-map input[name=paths]');
    paths.max = String(Math.max(120, Math.min(info.edges.total, 400)));
    const unit = info.groupBy ?? 'departments';
    const h = info.hidden;
    hidden.textContent =
      h.departments === 0 && h.edges === 0
        ? `all ${formatCountText(info.departments.total)} ${unit} and ${formatCountText(info.edges.total)} paths drawn`
        : `+${formatCountText(h.departments)} ${unit} and ${formatCountText(h.edges)} paths not drawn: ${formatShare(h.handoffShare)} of handoffs, ${formatDuration(h.delaySeconds)} of waiting`;
    hidden.dataset.hiddenDepartments = String(h.departments);
    hidden.dataset.hiddenShare = String(h.handoffShare);
  } else hidden.textContent = '';
  $('#clear-focus').hidden = focus === undefined && expand === undefined;
  $('#map-legend').textContent =
    o.mode === 'frequency'
      ? 'edge width = handoffs; node shade = journeys'
      : `edge colour and label = ${o.stat === 'p50' ? 'median' : 'p90'} handoff delay (darker = longer); node: purple = mostly work, orange = mostly waiting`;
}
const formatCountText = (n: number) => n.toLocaleString('en');
const formatShare = (x: number) => `${x < 0.001 && x > 0 ? '<0.1' : (x * 100).toFixed(x < 0.1 ? 1 : 0)}%`;

let sliderTimer: number | undefined;
$('#map-controls').addEventListener('input', (e) => {
  const t = e.target as HTMLInputElement;
  if (t.name === 'mode' || t.name === 'stat') return void drawMap();
  if (t.name === 'groupBy') expand = undefined;
  if (t.name === 'departments') $('#view-map output[name=departmentsOut]').textContent = t.value;
  if (t.name === 'paths') $('#view-map output[name=pathsOut]').textContent = t.value;
  // sliders ask the server again, at most every 150 ms while dragging
  window.clearTimeout(sliderTimer);
  sliderTimer = window.setTimeout(() => {
    stale.add('replay');
    void loadMap().catch(fail);
  }, 150);
});
$('#zoom-in').addEventListener('click', () => mapView.zoomBy(1.4));
$('#zoom-out').addEventListener('click', () => mapView.zoomBy(1 / 1.4));
$('#zoom-fit').addEventListener('click', () => mapView.fit());

async function setFocus(department: string | undefined): Promise<void> {
  focus = department;
  const panel = $('#focus-panel');
  if (department === undefined) {
    panel.hidden = true;
    expand = undefined;
    await loadMap();
    return;
  }
  try {
    const [f] = await Promise.all([api.focus(department, filter), loadMap()]);
    renderFocus(panel, f, {
      department: (d) => void setFocus(d),
      journey: (id) => void openJourney(id, panel),
      close: () => void setFocus(undefined),
    });
    document.body.dataset.focus = department;
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) say(`No department named ${department} in these journeys.`, 'info');
    else fail(err);
  }
}
$<HTMLFormElement>('#focus-form').addEventListener('submit', (e) => {
  e.preventDefault();
  const v = new FormData(e.target as HTMLFormElement).get('focus');
  if (typeof v === 'string' && v.trim()) void setFocus(v.trim());
});
$('#clear-focus').addEventListener('click', () => void setFocus(undefined));

/** Names for the search box and the swimlane filter: every department the server knows. */
async function loadNames(): Promise<void> {
  const [w, units] = await Promise.all([api.departments(), api.orgUnits()]);
  d3.select('#department-names')
    .selectAll('option')
    .data(w.departments.map((d) => d.department))
    .join('option')
    .attr('value', (d) => d);
  orgUnits = units;
  if (units) {
    $('#group-by-label').hidden = false;
    d3.select('#view-map select[name=groupBy]')
      .selectAll('option.level')
      .data(units.levels)
      .join('option')
      .attr('class', 'level')
      .attr('value', (d) => d)
      .text((d) => d);
  }
}

async function showEdgeJourneys(from: string, to: string): Promise<void> {
  const panel = $('#edge-panel');
  panel.hidden = false;
  const root = d3.select(panel);
  root.selectChildren().remove();
  root
    .append('button')
    .attr('class', 'close')
    .attr('aria-label', 'Close')
    .text('×')
    .on('click', () => (panel.hidden = true));
  root.append('h3').text(`Journeys handed from ${from} to ${to}`);
  const status = root.append('p').text('Loading…');
  const list = root.append('ul').attr('class', 'journey-list');
  const more = root.append('button').attr('type', 'button').attr('class', 'more').text('More journeys').property('hidden', true);
  // exactly the journeys that made this handoff, paged by the server
  const items: { journeyId: string; leadTimeSeconds: number; state: string }[] = [];
  let cursor: string | undefined;
  const page = async () => {
    try {
      const p = await api.journeys({ handoffFrom: from, handoffTo: to, journeyType: filter.journeyType, cursor, limit: 100 });
      items.push(...p.items);
      cursor = p.nextCursor ?? undefined;
      status.text(`${items.length}${cursor ? '+' : ''} journeys made this handoff; click one for its timeline.`);
      more.property('hidden', !cursor);
      list
        .selectAll('li')
        .data(items, (d) => (d as { journeyId: string }).journeyId)
        .join((enter) =>
          enter
            .append('li')
            .append('button')
            .attr('data-journey', (d) => d.journeyId)
            .text((d) => `${d.journeyId} · ${d.state} · lead ${formatDuration(d.leadTimeSeconds)}`)
            .on('click', (_e, d) => void openJourney(d.journeyId, panel))
            .select(function () {
              return this.parentNode as HTMLLIElement;
            }),
        );
    } catch (err) {
      status.text('Could not list the journeys.');
      fail(err);
    }
  };
  more.on('click', () => void page());
  await page();
}

async function openJourney(id: string, panel: HTMLElement): Promise<void> {
  try {
    const t = await api.timeline(id);
    panel.hidden = false;
    const holder = document.createElement('div');
    holder.className = 'timeline-holder';
    panel.querySelector('.timeline-holder')?.remove();
    panel.append(holder);
    renderTimeline(holder, t);
    holder.scrollIntoView({ block: 'nearest' });
  } catch (err) {
    fail(err);
  }
}

// ---- swimlanes -----------------------------------------------------------------------
const journeyPanel = $('#journey-panel');
const swimView = createSwimlaneView($('#swimlanes'), tooltip, {
  onJourneyClick: (id) => {
    journeyPanel.replaceChildren();
    void openJourney(id, journeyPanel);
  },
});
$('#view-swimlanes').addEventListener('change', (e) => {
  const t = e.target as HTMLInputElement;
  if (t.name === 'time') swimView.setTimeMode(t.value as 'relative' | 'absolute');
});

/** What the swimlanes show: one server page of the selected journeys (no cut of our own). */
let swimSelection: Pick<ListQuery, 'variant' | 'department'> = {};
/** cursors of the pages seen, so Previous goes back; [0] is the first page (no cursor) */
let swimCursors: (string | undefined)[] = [undefined];
let swimPage = 0;
let swimNext: string | null = null;

async function loadSwimlanes(): Promise<void> {
  const status = $('#swim-status');
  status.textContent = 'loading journeys…';
  const page = await api.timelines({
    journeyType: filter.journeyType,
    ...swimSelection,
    cursor: swimCursors[swimPage],
    limit: PAGE_SIZE,
  });
  swimNext = page.nextCursor;
  const list = page.items;
  const first = swimPage * PAGE_SIZE + 1;
  const what = [swimSelection.variant ? `variant ${swimSelection.variant}` : '', swimSelection.department ? `visiting ${swimSelection.department}` : '']
    .filter(Boolean)
    .join(', ');
  status.textContent =
    list.length === 0 ? 'no journeys' : `journeys ${first}–${first + list.length - 1}${swimNext ? '' : ' (last page)'}${what ? ` · ${what}` : ''}`;
  $<HTMLButtonElement>('#swim-prev').disabled = swimPage === 0;
  $<HTMLButtonElement>('#swim-next').disabled = !swimNext;
  await timed('journeys:render-swimlanes', () => swimView.update(list));
  d3.select('#swim-journeys')
    .selectAll('li')
    .data(list, (d) => (d as JourneyTimeline).journeyId)
    .join((enter) => {
      const li = enter.append('li');
      li.append('button').attr('type', 'button');
      return li;
    })
    .select('button')
    .attr('data-journey', (d) => d.journeyId)
    .text((d) => `${d.journeyId} · ${d.state} · lead ${formatDuration(d.totals.leadTimeSeconds)}`)
    .on('click', (_e, d) => {
      journeyPanel.replaceChildren();
      void openJourney(d.journeyId, journeyPanel);
    });
  document.body.dataset.swimlanesReady = 'true';
  document.body.dataset.swimlanesPage = String(swimPage);
}

function showSwimlanes(selection: Pick<ListQuery, 'variant' | 'department'>): void {
  swimSelection = selection;
  swimCursors = [undefined];
  swimPage = 0;
  const form = $<HTMLFormElement>('#swim-filter');
  (form.elements.namedItem('department') as HTMLInputElement).value = selection.department ?? '';
  (form.elements.namedItem('variant') as HTMLInputElement).value = selection.variant ?? '';
  stale.add('swimlanes');
  show('swimlanes');
}
$<HTMLFormElement>('#swim-filter').addEventListener('submit', (e) => {
  e.preventDefault();
  const f = new FormData(e.target as HTMLFormElement);
  const text = (n: string) => {
    const v = f.get(n);
    return typeof v === 'string' && v.trim() ? v.trim() : undefined;
  };
  showSwimlanes({ department: text('department'), variant: text('variant') });
});
$('#swim-clear').addEventListener('click', () => showSwimlanes({}));
$('#swim-next').addEventListener('click', () => {
  if (!swimNext) return;
  swimCursors[swimPage + 1] = swimNext;
  swimPage++;
  stale.add('swimlanes');
  refresh();
});
$('#swim-prev').addEventListener('click', () => {
  if (swimPage === 0) return;
  swimPage--;
  stale.add('swimlanes');
  refresh();
});

// ---- replay --------------------------------------------------------------------------
const replayMap = createMapView($('#replay-map'), tooltip, { label: 'Replay map: queues and cases at the chosen instant' });
const slider = $<HTMLInputElement>('#replay-slider');
let range: [number, number] = [0, 1];
let playing = false;
let replayAt = 0;
let inFlight: AbortController | null = null;
let pendingAt: number | null = null;

let fullMap: ProcessMap | null = null;

/** The replay draws the map as the sliders cut it (no roll-up): departments keep their place while the instant moves. */
function replayAbstraction(): Abstraction {
  const { groupBy: _g, expand: _e, ...rest } = abstraction();
  return rest;
}

async function loadReplay(): Promise<void> {
  // the range is the span of the filtered journeys, from the server
  const [span, map] = await Promise.all([api.variants(filter, 1), api.processMap(filter, replayAbstraction())]);
  fullMap = map;
  const start = span.firstStartedAt ? Date.parse(span.firstStartedAt) : Date.now() - 86_400_000;
  const end = span.lastEventAt ? Date.parse(span.lastEventAt) : Date.now();
  range = [start, Math.max(end, start + 1)];
  if (!replayAt || replayAt < range[0] || replayAt > range[1]) replayAt = range[1];
  syncSlider();
  await fetchReplay(replayAt);
}

function syncSlider(): void {
  slider.value = String(Math.round(((replayAt - range[0]) / (range[1] - range[0])) * 1000));
  const relative = $<HTMLInputElement>('#relative-time').checked;
  const text = relative
    ? `+${formatDuration((replayAt - range[0]) / 1000)} since the first journey`
    : formatInstant(new Date(replayAt).toISOString());
  $('#replay-time').textContent = text;
  slider.setAttribute('aria-valuetext', text);
}

async function fetchReplay(at: number): Promise<void> {
  // one request at a time, the latest instant wins: dragging the slider never queues hundreds
  if (inFlight) {
    pendingAt = at;
    return;
  }
  inFlight = new AbortController();
  try {
    const iso = new Date(at).toISOString();
    // the server's figures at that instant, and the journeys open then (one page) for the tokens
    const [r, open] = await Promise.all([
      api.replay(iso, filter, replayAbstraction(), inFlight.signal),
      api.timelines({ journeyType: filter.journeyType, activeAt: iso, limit: TOKEN_LIMIT }, inFlight.signal),
    ]);
    await drawReplay(r, at, open.items, open.nextCursor !== null);
  } catch (err) {
    if (!(err instanceof DOMException && err.name === 'AbortError')) fail(err);
  } finally {
    inFlight = null;
    if (pendingAt !== null) {
      const next = pendingAt;
      pendingAt = null;
      void fetchReplay(next);
    }
  }
}

async function drawReplay(r: Replay & { processMap: AbstractedProcessMap }, at: number, open: JourneyTimeline[], more: boolean): Promise<void> {
  await replayMap.update(r.processMap, { mode: 'frequency', stat: 'p50' }, fullMap ?? r.processMap);
  const queues = new Map(r.departments.map((d) => [d.department, { queue: d.queueLength, wip: d.wip }]));
  replayMap.overlay({ queues, tokens: tokensAt(open, at) });
  $('#replay-tokens').textContent = `cases drawn: ${open.length}${more ? ` of ${r.journeys.inProgress} open` : ''}`;
  d3.select('#queues tbody')
    .selectAll('tr')
    .data(r.departments, (d) => (d as Replay['departments'][number]).department)
    .join('tr')
    .attr('data-department', (d) => d.department)
    .attr('data-queue', (d) => d.queueLength)
    .attr('data-wip', (d) => d.wip)
    .selectAll('td')
    .data((d) => [
      d.department,
      String(d.queueLength),
      String(d.wip),
      d.oldestWaiting ? `${d.oldestWaiting.journeyId} (${formatDuration(d.oldestWaiting.waitingSeconds)})` : '–',
    ])
    .join('td')
    .text((d) => d);
  document.body.dataset.replayAt = r.asOf;
}

slider.addEventListener('input', () => {
  replayAt = range[0] + (Number(slider.value) / 1000) * (range[1] - range[0]);
  syncSlider();
  void fetchReplay(replayAt);
});
$('#relative-time').addEventListener('change', syncSlider);
$('#play').addEventListener('click', () => {
  playing = !playing;
  $('#play').textContent = playing ? '⏸' : '▶';
  $('#play').setAttribute('aria-label', playing ? 'Pause' : 'Play');
  if (playing) {
    if (replayAt >= range[1]) replayAt = range[0];
    let last = performance.now();
    const tick = (now: number) => {
      if (!playing) return;
      const speed = Number($<HTMLSelectElement>('#speed').value);
      replayAt = Math.min(range[1], replayAt + ((now - last) / 1000) * speed * 1000);
      last = now;
      syncSlider();
      void fetchReplay(replayAt);
      if (replayAt >= range[1]) $('#play').click();
      else requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  }
});

// ---- variants ------------------------------------------------------------------------
async function loadVariants(): Promise<void> {
  const v = await api.variants(filter, 100);
  $('#variants-status').textContent = `${v.total.toLocaleString('en')} variants; the ${Math.min(100, v.total)} most frequent below. Click one for its journeys.`;
  renderVariants($('#variants'), v, (variant) => showSwimlanes({ variant: variant.id }));
  document.body.dataset.variantsReady = 'true';
}

// ---- hotspots ------------------------------------------------------------------------
async function loadHotspots(): Promise<void> {
  const h = await api.handoffs(filter);
  const by = ($<HTMLInputElement>('#view-hotspots input[name=rank]:checked').value ?? 'delay') as 'delay' | 'pingPong';
  const rows = rankHotspots(h.pairs, by);
  renderHotspots($('#hotspots'), rows, by, (hs) => {
    show('map');
    void showEdgeJourneys(hs.from, hs.to);
  });
  document.body.dataset.hotspotsReady = 'true';
}
$('#view-hotspots').addEventListener('change', () => void loadHotspots().catch(fail));

// ---- shell ---------------------------------------------------------------------------
const loaders: Record<View, () => Promise<void>> = {
  map: loadMap,
  swimlanes: loadSwimlanes,
  replay: loadReplay,
  variants: loadVariants,
  hotspots: loadHotspots,
};

function show(next: View): void {
  if (!(next in loaders)) next = 'map';
  view = next;
  for (const b of document.querySelectorAll<HTMLButtonElement>('[role=tab]'))
    b.setAttribute('aria-selected', String(b.dataset.view === next));
  for (const s of document.querySelectorAll<HTMLElement>('.view')) s.hidden = s.id !== `view-${next}`;
  if (location.hash !== `#${next}`) history.replaceState(null, '', `#${next}`);
  refresh();
}

function refresh(): void {
  if (!stale.has(view)) return;
  const v = view;
  stale.delete(v);
  loaders[v]().catch((err: unknown) => {
    stale.add(v);
    fail(err);
  });
}

for (const b of document.querySelectorAll<HTMLButtonElement>('[role=tab]')) b.addEventListener('click', () => show(b.dataset.view as View));

$<HTMLFormElement>('#filters').addEventListener('submit', (e) => {
  e.preventDefault();
  const f = new FormData(e.target as HTMLFormElement);
  const text = (name: string) => {
    const v = f.get(name);
    return typeof v === 'string' && v.trim() ? v.trim() : undefined;
  };
  const day = (v: string | undefined, plus = 0) =>
    v ? new Date(Date.parse(`${v}T00:00:00Z`) + plus * 86_400_000).toISOString() : undefined;
  filter = { journeyType: text('journeyType'), from: day(text('from')), to: day(text('to'), 1) };
  swimCursors = [undefined];
  swimPage = 0;
  for (const v of Object.keys(loaders) as View[]) stale.add(v);
  refresh();
});

// Live: every change on the analyst stream marks the views stale; the visible one reloads
// at most every 2 s, so a burst of events costs one redraw, and nothing reloads the page.
let liveTimer: number | undefined;
function onLiveChange(): void {
  $('#live').textContent = 'live';
  $('#live').className = 'live on';
  if (liveTimer !== undefined) return;
  liveTimer = window.setTimeout(() => {
    liveTimer = undefined;
    for (const v of Object.keys(loaders) as View[]) stale.add(v);
    if (view === 'replay' && playing) return;
    refresh();
  }, 2000);
}

if (!token) {
  say('No analyst token. Open the viewer with ?token=<token> (the demo prints a link; or run: pnpm journey token --role analyst).');
  document.body.dataset.state = 'no-token';
} else {
  const stop = api.stream(
    onLiveChange,
    () => {
      $('#live').textContent = 'reconnecting';
      $('#live').className = 'live off';
    },
    () => {
      $('#live').textContent = 'live';
      $('#live').className = 'live on';
    },
  );
  window.addEventListener('pagehide', stop);
  window.addEventListener('pagehide', startAlertsPanel(api, $<HTMLDetailsElement>('#alerts-panel')));
  $('#live').textContent = 'connecting';
  show(view);
  loadNames().catch(fail);
}

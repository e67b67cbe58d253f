/**
 * `pnpm bench eta`: backtest of the completion estimate on the real logs in shared/data/logs.
 * Each log is imported (services/interop) into a temp SQLite store and folded. Journeys are
 * split into 5 folds by a hash of their id; the statistics are learned from the other four
 * folds only. Every held-out completed journey is cut at 3 random instants inside its life
 * (seeded); at each cut the journey is refolded over its events up to the cut (what would
 * have been known then), estimated, and compared with when it really completed. The naive
 * baseline in the same run predicts cut + the median remaining time of the type, learned
 * from random cuts of the training journeys. Elapsed clock (the logs have no calendars).
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { getSQLiteEventStore } from '../services/event-store/src/index.ts';
import { importLog } from '../services/interop/src/index.ts';
import { buildEstimateStats, createReadModel, estimateCompletion, foldJourney, quantileSorted, type JourneyFacts } from '../projections/src/index.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const LOGS = join(root, '../shared/data/logs');
const quick = process.argv.includes('--quick');
const CUTS = 3;
const FOLDS = 5;

let seed = 15;
const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed / 2 ** 31);
const fold = (id: string) => createHash('sha1').update(id).digest()[0]! % FOLDS;

interface Result {
  log: string;
  journeys: number;
  cuts: number;
  estimated: number;
  maeDays: number;
  baselineMaeDays: number;
  inRange: number;
  baselineOnSameCutsMaeDays: number;
  stageBasis: number;
}

async function backtest(log: string): Promise<Result | null> {
  const dir = mkdtempSync(join(tmpdir(), 'journeys-eta-'));
  try {
    const store = getSQLiteEventStore({ path: join(dir, 'store.db') });
    await importLog(store, join(LOGS, log));
    const model = createReadModel();
    const batch = [];
    for await (const e of store.readAll({})) batch.push(e);
    model.applyCatchUp(batch);
    await store.close();
    const recs = [...model.journeys.values()];
    const facts = new Map<string, JourneyFacts>(recs.map((r) => [r.journeyId, model.facts(r)]));
    const done = recs.filter((r) => facts.get(r.journeyId)!.completedAt !== null && facts.get(r.journeyId)!.leadMs > 0);
    if (done.length < 20) return null;
    let cuts = 0;
    let estimated = 0;
    let err = 0;
    let baseErr = 0;
    let baseErrSame = 0;
    let inside = 0;
    let stageBasis = 0;
    for (let k = 0; k < FOLDS; k++) {
      const train = done.filter((r) => fold(r.journeyId) !== k).map((r) => facts.get(r.journeyId)!);
      const test = done.filter((r) => fold(r.journeyId) === k);
      const stats = buildEstimateStats(train);
      // Naive baseline: the median remaining time at random instants of the type's training journeys.
      const remainingByType = new Map<string, number[]>();
      for (const f of train) {
        for (let c = 0; c < CUTS; c++) {
          const t = f.startedAt + rand() * f.leadMs;
          const key = f.journeyType ?? '';
          (remainingByType.get(key) ?? remainingByType.set(key, []).get(key)!).push(f.completedAt! - t);
        }
      }
      const median = new Map([...remainingByType].map(([k2, v]) => [k2, quantileSorted(Float64Array.from(v).sort(), 0.5)]));
      for (const r of test) {
        const full = facts.get(r.journeyId)!;
        for (let c = 0; c < CUTS; c++) {
          const at = full.startedAt + Math.floor(rand() * full.leadMs);
          let n = 0;
          while (n < r.events.length && r.events[n]!.t <= at) n++;
          if (n === 0) continue;
          cuts++;
          const seen = foldJourney(r.journeyId, r.events.slice(0, n), { traceContinues: true });
          const base = at + (median.get(full.journeyType ?? '') ?? 0);
          baseErr += Math.abs(base - full.completedAt!);
          const e = estimateCompletion(seen, stats, at);
          if (!e) continue;
          estimated++;
          if (e.basis === 'stage') stageBasis++;
          err += Math.abs(e.expectedBy - full.completedAt!);
          baseErrSame += Math.abs(base - full.completedAt!);
          if (full.completedAt! >= e.low && full.completedAt! <= e.high) inside++;
        }
      }
    }
    const day = 86_400_000;
    return {
      log,
      journeys: done.length,
      cuts,
      estimated,
      maeDays: err / estimated / day,
      baselineMaeDays: baseErr / cuts / day,
      baselineOnSameCutsMaeDays: baseErrSame / estimated / day,
      inRange: inside / estimated,
      stageBasis: stageBasis / estimated,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const logs = existsSync(LOGS) ? readdirSync(LOGS).filter((f) => /\.(xes\.gz|csv)$/.test(f) && !(quick && f.startsWith('bpic2012'))) : [];
// One file per source log: the XES of a log that also comes as CSV is the same cases.
const chosen = logs.filter((f) => !(f.endsWith('.csv') && logs.includes(f.replace(/\.csv$/, '.xes.gz'))));
const results: Result[] = [];
for (const log of chosen) {
  const t0 = performance.now();
  const r = await backtest(log);
  if (r) {
    results.push(r);
    console.log(`${log}: ${r.estimated}/${r.cuts} cuts estimated; MAE ${r.maeDays.toFixed(2)} d vs baseline ${r.baselineOnSameCutsMaeDays.toFixed(2)} d on the same cuts (${r.baselineMaeDays.toFixed(2)} d on all); inside 10–90% range ${(100 * r.inRange).toFixed(1)}% (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
  } else console.log(`${log}: fewer than 20 completed journeys, skipped`);
}

const f2 = (x: number) => x.toFixed(2);
const rows = results.map(
  (r) =>
    `| ${r.log} | ${r.journeys} | ${r.estimated} / ${r.cuts} | ${f2(r.maeDays)} | ${f2(r.baselineOnSameCutsMaeDays)} | ${r.maeDays < r.baselineOnSameCutsMaeDays ? 'yes' : '**no**'} (${(100 * (1 - r.maeDays / r.baselineOnSameCutsMaeDays)).toFixed(0)}%) | ${(100 * r.inRange).toFixed(1)}% | ${(100 * r.stageBasis).toFixed(0)}% |`,
);
const md = `# Benchmark: completion estimate (ETA) backtest

\`pnpm bench eta${quick ? ' --quick' : ''}\`, ${new Date().toISOString().slice(0, 16)}Z, on the real logs in \`shared/data/logs\`.

Method (bench/eta.bench.ts): each log imported and folded; completed journeys split into ${FOLDS} folds by a hash
of their id, statistics learned from the other folds only; every held-out journey cut at ${CUTS} random
instants (seeded), refolded over the events known at the cut, estimated, and compared with its real
completion. The **naive baseline** in the same run predicts *cut + the median remaining time of the type*
(learned from random cuts of the training journeys). Errors are absolute, in days, on the elapsed clock
(the logs come without calendars). "Inside range": the real completion fell inside the estimate's
10th–90th percentile range (an honest range holds about 80%).

| log | completed journeys | cuts estimated / cut | MAE estimate (d) | MAE baseline, same cuts (d) | beats baseline? | inside 10–90% range | estimated from the stage (rest: type fallback) |
|---|---|---|---|---|---|---|---|
${rows.join('\n')}

Cuts where no estimate was given (fewer than ${5} comparable journeys at that stage or age) are
left out of the estimate's MAE and of the baseline's "same cuts" column alike.
`;
writeFileSync(join(root, 'docs/benchmarks/eta.md'), md);
console.log(md);

/**
 * `pnpm bench [name…]`: runs bench/<name>.bench.ts one after the other (never in
 * parallel: they would measure each other). Each bench prints its figures beside its
 * peer's and writes docs/benchmarks/<name>.md; docs/benchmarks.md gathers them.
 */
import { readdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const dir = fileURLToPath(new URL('.', import.meta.url));
const all = readdirSync(dir)
  .filter((f) => f.endsWith('.bench.ts'))
  .map((f) => f.replace(/\.bench\.ts$/, ''));
// Arguments that name a bench select it; everything else (`--minutes 2`, `--quick`) goes to each bench.
const args = process.argv.slice(2);
const wanted = args.filter((a) => all.includes(a));
const flags = args.filter((a) => !all.includes(a));
const benches = all.filter((name) => wanted.length === 0 || wanted.includes(name));
if (benches.length === 0) {
  console.error(`no benchmark matches ${wanted.join(', ')}`);
  process.exit(2);
}
let failed = 0;
for (const name of benches) {
  console.log(`\n=== bench ${name}`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--expose-gc', `${dir}${name}.bench.ts`, ...flags], { stdio: 'inherit' });
  if (r.status !== 0) failed++;
}
process.exit(failed === 0 ? 0 : 1);

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
// Arguments before the first `-`-prefixed one name benches; everything from there on
// (`--minutes 2`, `--quick`) goes to each bench. A mistyped name is an error, not "run all".
const args = process.argv.slice(2);
const firstFlag = args.findIndex((a) => a.startsWith('-'));
const wanted = firstFlag === -1 ? args : args.slice(0, firstFlag);
const flags = firstFlag === -1 ? [] : args.slice(firstFlag);
const unknown = wanted.filter((name) => !all.includes(name));
if (unknown.length > 0) {
  console.error(`no benchmark named ${unknown.join(', ')} (have: ${all.join(', ')})`);
  process.exit(2);
}
const benches = all.filter((name) => wanted.length === 0 || wanted.includes(name));
let failed = 0;
for (const name of benches) {
  console.log(`\n=== bench ${name}`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--expose-gc', `${dir}${name}.bench.ts`, ...flags], { stdio: 'inherit' });
  if (r.status !== 0) failed++;
}
process.exit(failed === 0 ? 0 : 1);

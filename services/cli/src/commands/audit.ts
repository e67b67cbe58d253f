import type { Command } from 'commander';

export function register(program: Command): void {
  const audit = program.command('audit').description('Audit the event history');
  audit
    .command('verify')
    .description('Walk the tamper-evident hash chain of the store; exits 1 and names the first broken position when it is broken')
    .option('--json', 'print the result as JSON')
    .option('--no-progress', 'no progress on stderr (e.g. when the output is a log)')
    .action(async (opts: { json?: boolean; progress: boolean }) => {
      const { CliError } = await import('../errors.ts');
      const { loadConfig } = await import('../config.ts');
      const { openExistingStore } = await import('../existing-store.ts');
      const config = loadConfig();
      const store = await openExistingStore(config);
      try {
        const { progressBar } = await import('../progress.ts');
        // A count of events from the store: positions are not counts (EventStoreDB's are byte offsets).
        const bar = opts.progress ? progressBar('verifying', await store.eventsAfter(0), 'events') : undefined;
        const result = await store.verify({ onProgress: (checked) => bar?.update(checked) });
        bar?.stop();
        if (opts.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
        else if (result.ok)
          process.stdout.write(
            `chain intact: ${result.checked.toLocaleString('en')} events checked, head ${result.headHash ?? '(empty)'}\n`,
          );
        if (!result.ok) {
          throw new CliError(
            `chain broken at position ${result.brokenAt ?? '?'}: ${result.reason ?? 'link does not match'} (${result.checked} events checked before it)`,
            1,
          );
        }
      } finally {
        await store.close();
      }
    });
}

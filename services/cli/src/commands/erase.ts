import type { Command } from 'commander';

export function register(program: Command): void {
  program
    .command('erase')
    .description("Crypto-shred one customer's personal data: their key is destroyed, the fields read [erased] for ever, the audit chain still verifies")
    .requiredOption('--customer <ref>', 'the customer reference (as in JourneyStarted.data.customerRef)')
    .addHelpText(
      'after',
      `
The erasure is recorded, signed, in the audit directory (erasures.jsonl) with no trace of
the reference itself. A running server reads the key file at start: erase through
POST /api/erasures while it runs, or restart it. Then \`journey rebuild\` so the projections
forget what they had read.`,
    )
    .action(async (opts: { customer: string }) => {
      const { CliError } = await import('../errors.ts');
      const { loadConfig } = await import('../config.ts');
      const { openExistingStore } = await import('../existing-store.ts');
      const { eraseCustomer, isShredding } = await import('../audit-setup.ts');
      const ref = opts.customer.trim();
      if (ref === '' || ref.length > 128) throw new CliError('--customer must be a customer reference (1–128 characters)');
      const config = loadConfig();
      const store = await openExistingStore(config);
      try {
        if (!isShredding(store)) throw new CliError('JOURNEY_SHREDDING=off: this store keeps no per-customer keys, nothing can be crypto-shredded');
        const r = eraseCustomer(config, store, ref, 'cli');
        process.stdout.write(
          r.existed
            ? `erased: the key of that customer is destroyed (${r.journeys} journey(s)); recorded at ${r.record.at}\n`
            : `no key was held for that customer (nothing of theirs is readable); recorded at ${r.record.at}\n`,
        );
      } finally {
        await store.close();
      }
    });
}

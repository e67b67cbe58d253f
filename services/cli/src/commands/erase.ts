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
POST /api/erasures while it runs (the server then rewrites the read store's rows of those
journeys itself). Run offline, this command rewrites them in the read store file. Either
way the dead letters that name the customer or one of their journeys lose their payload.`,
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
        const rewritten = await rewriteReadStore(config, store, r.journeyIds);
        const deadLetters = await eraseDeadLetters(config, r.journeyIds, ref, new Date(r.record.at));
        process.stdout.write(
          r.existed
            ? `erased: the key of that customer is destroyed (${r.journeys} journey(s)); recorded at ${r.record.at}\n`
            : `no key was held for that customer (nothing of theirs is readable); recorded at ${r.record.at}\n`,
        );
        if (rewritten !== null) process.stdout.write(`read store: ${rewritten} journey row(s) rewritten without the erased fields (${config.readStore})\n`);
        process.stdout.write(`dead letters: ${deadLetters.erased} naming that customer or their journeys erased (${deadLetters.where})\n`);
      } finally {
        await store.close();
      }
    });
}

/**
 * The read store file's rows of those journeys, rewritten from the store as it now reads
 * ([erased]). null when there is no read store file (nothing to rewrite). A stale store (other
 * fold or calendars) is rebuilt by the next `journey serve` from the erased store anyway.
 */
async function rewriteReadStore(
  config: import('../config.ts').JourneyConfig,
  store: Pick<import('@journeys/event-store').EventStore, 'readStream'>,
  journeyIds: readonly string[],
): Promise<number | null> {
  const { existsSync } = await import('node:fs');
  if (journeyIds.length === 0 || !existsSync(config.readStore)) return null;
  const { openReadStore, rewriteJourneys } = await import('@journeys/projections');
  const { loadCalendars } = await import('../config.ts');
  const calendars = await loadCalendars(config);
  const rs = openReadStore({ path: config.readStore, ...(calendars ? { calendars } : {}) });
  try {
    if (rs.stale) return null;
    return await rewriteJourneys(rs, store, journeyIds);
  } finally {
    rs.close();
  }
}

/** The dead letters of the configured bus (JOURNEY_DLQ with NATS_URL, else the store file's table) that name the customer. */
async function eraseDeadLetters(
  config: import('../config.ts').JourneyConfig,
  journeyIds: readonly string[],
  customerRef: string,
  at: Date,
): Promise<{ erased: number; where: string }> {
  const { openConfiguredBus } = await import('../dead-letters.ts');
  const bus = await openConfiguredBus(config, { name: 'journeys-erase' });
  try {
    return { erased: await bus.deadLetterStore.erase({ journeyIds: new Set(journeyIds), customerRef }, at), where: bus.deadLetterStore.describe() };
  } finally {
    await bus.close();
  }
}

import type { Command } from 'commander';

interface ListOptions {
  department?: string;
  reason?: string;
  pending?: boolean;
  limit: string;
  after?: string;
  json?: boolean;
}

interface ReplayCliOptions {
  department?: string;
  reason?: string;
  seq?: string[];
  json?: boolean;
}

const positiveInt = (flag: string, value: string | undefined, fallback: number): number => {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`${flag} must be a whole number, got ${JSON.stringify(value)}`);
  return n;
};

/** The dead letters of the configured bus: JOURNEY_DLQ with NATS_URL, else the embedded store's file. */
async function openDeadLetters() {
  const { loadConfig } = await import('../config.ts');
  const { openConfiguredBus } = await import('../dead-letters.ts');
  const config = loadConfig();
  return { config, bus: await openConfiguredBus(config, { name: 'journeys-dlq' }) };
}

export function register(program: Command): void {
  const dlq = program
    .command('dlq')
    .description('Dead letters: messages ingest could not store, with their reasons (JOURNEY_DLQ on NATS, the embedded store file otherwise)');

  dlq
    .command('list')
    .description('List dead letters, oldest first, with their reasons and re-drive outcomes')
    .option('--department <name>', 'only this department (name or slug)')
    .option('--reason <reason>', 'only this reason (invalid_event, department_mismatch, id_conflict, max_deliveries, ...)')
    .option('--pending', 'only letters not yet re-driven into the store')
    .option('--limit <n>', 'at most this many', '100')
    .option('--after <seq>', 'start after this position in the queue (the cursor the last line printed)')
    .option('--json', 'print JSON (one object per line)')
    .action(async (opts: ListOptions) => {
      const { CliError } = await import('../errors.ts');
      let limit: number;
      let after: number;
      try {
        limit = positiveInt('--limit', opts.limit, 100);
        after = positiveInt('--after', opts.after, 0);
      } catch (err) {
        throw new CliError((err as Error).message, 2);
      }
      const { bus } = await openDeadLetters();
      try {
        const page = await bus.deadLetterStore.list({
          limit,
          after,
          ...(opts.department !== undefined ? { department: opts.department } : {}),
          ...(opts.reason !== undefined ? { reason: opts.reason } : {}),
          ...(opts.pending ? { pendingOnly: true } : {}),
        });
        for (const l of page.letters) {
          if (opts.json) process.stdout.write(`${JSON.stringify(l)}\n`);
          else {
            const replayed = l.replayed ? ` replayed ${l.replayed.outcome}${l.replayed.detail ? ` (${l.replayed.detail})` : ''}` : '';
            process.stdout.write(`#${l.dlqSeq} ${l.deadLetteredAt} ${l.departmentSlug} ${l.reason} ${l.eventId ?? '-'}: ${l.detail ?? ''}${replayed}\n`);
          }
        }
        if (!opts.json) {
          process.stderr.write(
            `${page.letters.length} dead letter(s) in ${bus.deadLetterStore.describe()}${page.next !== null ? `; more after --after ${page.next}` : ''}\n`,
          );
        }
      } finally {
        await bus.close();
      }
    });

  dlq
    .command('replay')
    .description('Re-drive pending dead letters through ingest\'s checks into the store (idempotent: stored ones are skipped, an event already there counts once)')
    .option('--department <name>', 'only this department (name or slug)')
    .option('--reason <reason>', 'only this reason')
    .option('--seq <seq...>', 'only these positions in the queue')
    .option('--json', 'print each outcome as JSON')
    .action(async (opts: ReplayCliOptions) => {
      const { CliError } = await import('../errors.ts');
      let seqs: number[] | undefined;
      try {
        seqs = opts.seq?.map((s) => positiveInt('--seq', s, 0));
      } catch (err) {
        throw new CliError((err as Error).message, 2);
      }
      const { openExistingStore } = await import('../existing-store.ts');
      const { replayDeadLetters } = await import('@journeys/ingest');
      const { config, bus } = await openDeadLetters();
      try {
        const store = await openExistingStore(config);
        try {
          const summary = await replayDeadLetters({
            deadLetters: bus.deadLetterStore,
            store,
            ...(opts.department !== undefined ? { department: opts.department } : {}),
            ...(opts.reason !== undefined ? { reason: opts.reason } : {}),
            ...(seqs ? { seqs } : {}),
            onLetter: (letter, record) => {
              if (opts.json) process.stdout.write(`${JSON.stringify({ dlqSeq: letter.dlqSeq, eventId: letter.eventId, ...record })}\n`);
              else process.stdout.write(`#${letter.dlqSeq} ${letter.eventId ?? '-'}: ${record.outcome}${record.detail ? ` (${record.detail})` : ''}\n`);
            },
          });
          process.stderr.write(`re-driven: ${summary.stored} stored, ${summary.duplicate} already stored, ${summary.rejected} still refused\n`);
          if (summary.rejected > 0) throw new CliError(`${summary.rejected} dead letter(s) are still refused: fix the cause and replay again`, 1);
        } finally {
          await store.close();
        }
      } finally {
        await bus.close();
      }
    });
}

import type { Command } from 'commander';

export function register(program: Command): void {
  const audit = program.command('audit').description('Audit the event history: verify it, and manage the keys that sign its digests');
  audit
    .command('verify')
    .description(
      'Walk the tamper-evident hash chain of the store and check it against the signed digests; exits 1 and names the first position that no longer matches',
    )
    .option('--digests <path>', 'digest log to check against (default: the one beside the store, when there is one)')
    .option('--public-key <file>', 'PEM public key(s) the digests were signed with (default: the store\'s own key directory)')
    .option('--no-digests', 'check the store\'s own chain only')
    .option('--json', 'print the result as JSON')
    .option('--no-progress', 'no progress on stderr (e.g. when the output is a log)')
    .addHelpText(
      'after',
      `
An auditor checks with what was shipped to them, not what sits beside the store:
  journey audit verify --digests ./shipped/digests.jsonl --public-key ./journeys-audit.pem`,
    )
    .action(async (opts: { json?: boolean; progress: boolean; digests?: string | false; publicKey?: string }) => {
      const { existsSync, readFileSync } = await import('node:fs');
      const { CliError } = await import('../errors.ts');
      const { loadConfig } = await import('../config.ts');
      const { openExistingStore } = await import('../existing-store.ts');
      const { readDigests, readPublicKeys, verifyHistory, DigestLogError } = await import('@journeys/audit');
      const { openAudit } = await import('../audit-setup.ts');
      const config = loadConfig();
      const local = openAudit(config);
      let anchors;
      if (opts.digests !== false) {
        const file = typeof opts.digests === 'string' ? opts.digests : local.paths.digestsFile;
        if (typeof opts.digests === 'string' && !existsSync(file)) throw new CliError(`no digest log at ${file}`);
        try {
          const digests = readDigests(file);
          const keys = opts.publicKey !== undefined ? readPublicKeys(readFileSync(opts.publicKey, 'utf8')) : local.keys.publicKeys();
          if (digests.length > 0 || typeof opts.digests === 'string') anchors = { digests, keys };
        } catch (err) {
          if (err instanceof DigestLogError || (err as NodeJS.ErrnoException).code === 'ENOENT' || /PEM|public key/.test((err as Error).message))
            throw new CliError((err as Error).message);
          throw err;
        }
      }
      const store = await openExistingStore(config);
      try {
        const { progressBar } = await import('../progress.ts');
        const bar = opts.progress ? progressBar('verifying', await store.eventsAfter(0), 'events') : undefined;
        const { isShredding } = await import('../audit-setup.ts');
        // The walk reads the history as stored (ciphertext): what the chain and the digests cover.
        const raw = isShredding(store) ? store.inner : store;
        const chain = await verifyHistory(raw, anchors, { onProgress: (checked) => bar?.update(checked) });
        const { countShredded } = await import('@journeys/audit');
        const result = isShredding(store) ? { ...chain, shredded: await countShredded(store) } : chain;
        bar?.stop();
        if (opts.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
        else if (result.ok) {
          const d = result.digests;
          process.stdout.write(
            `chain intact: ${result.checked.toLocaleString('en')} events checked, head ${result.headHash ?? '(empty)'}\n` +
              (result.shredded ? `shredded: ${result.shredded} event(s) carry personal data whose key was erased (not tampering)\n` : '') +
              (d ? `digests intact: ${d.digests} signed digest(s) match, up to position ${d.lastSignedPosition ?? '-'} (keys ${d.keyIds.join(', ') || '-'})\n` : 'digests: none checked (no digest log)\n'),
          );
        }
        if (!result.ok) {
          throw new CliError(
            `chain broken at position ${result.brokenAt ?? '?'}: ${result.reason ?? 'link does not match'} (${result.checked} events checked)`,
            1,
          );
        }
      } finally {
        await store.close();
      }
    });

  audit
    .command('public-key')
    .description('Print the public key(s) that verify this store\'s digests (PEM), to give to auditors')
    .option('--out <file>', 'write them to a file instead')
    .action(async (opts: { out?: string }) => {
      const { writeFileSync } = await import('node:fs');
      const { loadConfig } = await import('../config.ts');
      const { openAudit } = await import('../audit-setup.ts');
      const pem = openAudit(loadConfig()).keys.exportPublicKeys();
      if (opts.out) writeFileSync(opts.out, pem);
      else process.stdout.write(pem);
    });

  audit
    .command('rotate-key')
    .description('Start signing digests with a new key; digests signed with the old ones keep verifying (export the public keys again)')
    .action(async () => {
      const { loadConfig } = await import('../config.ts');
      const { openAudit } = await import('../audit-setup.ts');
      const kid = openAudit(loadConfig()).keys.rotate();
      process.stdout.write(`new digest signing key ${kid} (a running server picks it up at its next digest)\n`);
    });

  audit
    .command('sign')
    .description('Sign a digest of the current chain head now (a running server does this every N events and M minutes)')
    .action(async () => {
      const { loadConfig } = await import('../config.ts');
      const { openExistingStore } = await import('../existing-store.ts');
      const { openAudit } = await import('../audit-setup.ts');
      const { startDigestSigner } = await import('@journeys/audit');
      const config = loadConfig();
      const audit = openAudit(config);
      const store = await openExistingStore(config);
      try {
        const signer = startDigestSigner({ store, keys: audit.keys, file: audit.paths.digestsFile, pollMs: 3_600_000 });
        const record = await signer.signNow();
        await signer.stop();
        const last = record ?? signer.last();
        process.stdout.write(last ? `digest ${last.seq}: position ${last.position}, link ${last.headHash} (key ${last.keyId})\n` : 'nothing to sign: the store is empty\n');
      } finally {
        await store.close();
      }
    });
}

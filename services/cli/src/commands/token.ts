import type { Command } from 'commander';

export function register(program: Command): void {
  program
    .command('token')
    .description('Print a signed access token for a role')
    .requiredOption('--role <role>', 'analyst | auditor | admin | metrics | department:<name> | customer')
    .option('--journey <id>', 'the journey a customer token opens (customer only, required there)')
    .option('--ttl <duration>', 'lifetime, e.g. 30m, 12h, 7d (default 24h; 365d for metrics, a scraper credential)')
    .addHelpText(
      'after',
      `
The key is JOURNEY_AUTH_SECRET, or the one kept beside the embedded store (the same one
\`journey serve\` uses). Examples:
  journey token --role analyst
  journey token --role metrics          (Prometheus: /metrics only, one year)
  journey token --role "department:Claims Intake" --ttl 30d
  journey token --role customer --journey claim-42 --ttl 7d`,
    )
    .action(async (opts: { role: string; journey?: string; ttl?: string }) => {
      const { CliError } = await import('../errors.ts');
      const { departmentSlug, JourneyIdSchema, RoleSchema } = await import('@journeys/contracts');
      const { createAuth, parseDuration } = await import('@journeys/api');
      const { loadConfig, resolveAuthSecret } = await import('../config.ts');

      let role = opts.role.trim();
      if (role.startsWith('department:')) {
        const name = role.slice('department:'.length);
        if (name.trim() === '') throw new CliError('--role department:<name> needs the department name');
        role = `department:${departmentSlug(name)}`;
      }
      const parsed = RoleSchema.safeParse(role);
      if (!parsed.success)
        throw new CliError(`unknown role ${JSON.stringify(opts.role)}: use analyst, auditor, admin, metrics, department:<name> or customer`);
      if (parsed.data === 'customer') {
        if (opts.journey === undefined) throw new CliError('a customer token opens one journey: add --journey <id>');
        if (!JourneyIdSchema.safeParse(opts.journey).success)
          throw new CliError(`--journey ${JSON.stringify(opts.journey)} is not a journey id (1–128 printable characters)`);
      } else if (opts.journey !== undefined) {
        throw new CliError('--journey applies to customer tokens only');
      }
      let ttlSeconds: number;
      try {
        ttlSeconds = parseDuration(opts.ttl ?? (parsed.data === 'metrics' ? '365d' : '24h'));
      } catch (err) {
        throw new CliError((err as Error).message);
      }
      const config = loadConfig();
      const secret = await resolveAuthSecret(config);
      if (secret.source === 'generated') process.stderr.write(`journey: generated a signing key in ${secret.path}\n`);
      const auth = createAuth({ secret: secret.secret });
      const token = await auth.sign({ role: parsed.data, ...(opts.journey !== undefined ? { journeyId: opts.journey } : {}), ttlSeconds });
      process.stdout.write(`${token}\n`);
    });
}

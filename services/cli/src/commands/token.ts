import type { Command } from 'commander';

export function register(program: Command): void {
  program
    .command('token')
    .description('Print a signed access token for a role')
    .option('--role <role>', 'analyst | auditor | admin | metrics | department:<name> | customer')
    .option('--revoke <jti-or-token>', 'revoke a token (its jti, as POST /api/tokens answered, or the token itself) instead of signing one')
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
  journey token --role customer --journey claim-42 --ttl 7d
  journey token --revoke <jti|token>   (a running server refuses it within 2 s, and ends its streams)

Each role has a longest lifetime (admin 7d, analyst and auditor 30d, customer 180d,
department 365d; JOURNEY_TOKEN_MAX_TTL=admin=12h,customer=30d changes them).`,
    )
    .action(async (opts: { role?: string; journey?: string; ttl: string; revoke?: string }) => {
      const { CliError } = await import('../errors.ts');
      const { departmentSlug, JourneyIdSchema, RoleSchema } = await import('@journeys/contracts');
      const { parseDuration, TokenError, TokenRequestError } = await import('@journeys/api');
      const { loadConfig, resolveAuthSecret } = await import('../config.ts');
      const { authFromConfig } = await import('../auth.ts');
      if (opts.revoke !== undefined) {
        const config = loadConfig();
        const secret = await resolveAuthSecret(config);
        const auth = authFromConfig(config, secret.secret);
        try {
          let jti = opts.revoke.trim();
          let until: number | undefined;
          if (jti.split('.').length === 3) {
            try {
              const p = await auth.verify(jti);
              if (p.jti === undefined) throw new CliError('that token has no id (signed before revocation existed): rotate the key to end it');
              until = p.expiresAt;
              jti = p.jti;
            } catch (err) {
              if (err instanceof TokenError) throw new CliError(`cannot revoke that token: ${err.message}`);
              throw err;
            }
          } else if (!/^[A-Za-z0-9._:-]{1,128}$/.test(jti)) throw new CliError('--revoke takes a token id (jti) or a token');
          auth.revoke(jti, until);
          process.stderr.write(`journey: revoked ${jti}\n`);
        } finally {
          auth.close();
        }
        return;
      }
      if (opts.role === undefined) throw new CliError('give --role <role> (or --revoke <jti|token>)');

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
      const auth = authFromConfig(config, secret.secret);
      try {
        const token = await auth.sign({ role: parsed.data, ...(opts.journey !== undefined ? { journeyId: opts.journey } : {}), ttlSeconds });
        process.stdout.write(`${token}\n`);
      } catch (err) {
        if (err instanceof TokenRequestError) throw new CliError(err.message);
        throw err;
      } finally {
        auth.close();
      }
    });
}

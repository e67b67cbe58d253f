import { createAuth, createRevocationList, parseMaxTtl, type Auth } from '@journeys/api';
import { CliError } from './errors.ts';
import { revocationFile, type JourneyConfig } from './config.ts';

/**
 * The token service every command builds the same way: the signing key and the keys of a
 * rotation still in progress, the per-role lifetime maxima, and the deny list kept beside
 * the store, so a token `journey token` prints or revokes means the same to `journey serve`.
 */
export function authFromConfig(config: JourneyConfig, secret: string): Auth {
  let maxTtlSeconds;
  try {
    maxTtlSeconds = parseMaxTtl(config.tokenMaxTtl);
  } catch (err) {
    throw new CliError((err as Error).message);
  }
  return createAuth({
    secret,
    previousSecrets: config.authPreviousSecrets,
    maxTtlSeconds,
    revocations: createRevocationList({ file: revocationFile(config) }),
  });
}

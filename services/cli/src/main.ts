#!/usr/bin/env node
/**
 * `journey` — one command file per CLI command under ./commands, each exporting
 * `register(program)`. Command files keep their top-level imports light and load the
 * heavy parts inside their action, so `journey --help` stays instant.
 */
import { Command, CommanderError } from 'commander';
import { existsSync } from 'node:fs';

const COMMANDS = ['serve', 'demo', 'simulate', 'import', 'export', 'rebuild', 'replay', 'audit', 'token', 'dlq', 'erase'] as const;

export async function buildProgram(): Promise<Command> {
  const program = new Command('journey')
    .description('Journeys: event-sourced process tracking with a customer journey map')
    .showHelpAfterError('(add --help for usage)')
    .exitOverride();
  for (const name of COMMANDS) {
    const file = new URL(`./commands/${name}.ts`, import.meta.url);
    if (!existsSync(file)) continue;
    const mod = (await import(file.href)) as { register: (program: Command) => void };
    mod.register(program);
  }
  return program;
}

export async function main(argv = process.argv): Promise<void> {
  const program = await buildProgram();
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version exit 0; usage errors were already printed by commander.
      process.exitCode = err.exitCode;
      return;
    }
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(`journey: ${message}\n`);
    process.exitCode = typeof (err as { exitCode?: unknown }).exitCode === 'number' ? (err as { exitCode: number }).exitCode : 1;
  }
}

if (import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith('services/cli/src/main.ts')) {
  await main();
}

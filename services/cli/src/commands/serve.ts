import type { Command } from 'commander';

export function register(program: Command): void {
  program
    .command('serve')
    .description('Run the store, ingest, projections, HTTP API and viewer in one process')
    .option('-p, --port <port>', 'HTTP port (default: PORT or 8080)')
    .option('--host <address>', 'address to bind (default: HOST or 127.0.0.1)')
    .addHelpText(
      'after',
      `
Environment:
  JOURNEY_STORE        sqlite:<path> (default sqlite:./data/journeys.db) or esdb://host:2113?tls=false
  NATS_URL             NATS JetStream URL; absent: an in-process bus
  PORT, HOST           where to listen (default 127.0.0.1:8080)
  JOURNEY_AUTH_SECRET  token signing key; absent: generated beside the embedded store
  JOURNEY_METRICS_PUBLIC=true   serve /metrics without a token
  JOURNEY_CALENDARS    business-hours calendar file; absent: elapsed time only
  JOURNEY_ALERT_RULES  silo alert rules (JSON); JOURNEY_ALERTS_DB where alerts are kept
  JOURNEY_ALERT_WEBHOOKS, JOURNEY_ALERT_WEBHOOK_SECRET   signed alert webhooks

Tokens: journey token --role analyst   (then open the viewer at /?token=<token>)`,
    )
    .action(async (opts: { port?: string; host?: string }) => {
      const { CliError } = await import('../errors.ts');
      const { loadConfig } = await import('../config.ts');
      const { startRuntime } = await import('../runtime.ts');
      const config = loadConfig();
      let port: number | undefined;
      if (opts.port !== undefined) {
        port = Number(opts.port);
        if (!/^\d{1,5}$/.test(opts.port) || port > 65_535) throw new CliError(`--port ${JSON.stringify(opts.port)} is not a port number`);
      }
      const runtime = await startRuntime({
        config,
        ...(port !== undefined ? { port } : {}),
        ...(opts.host !== undefined ? { host: opts.host } : {}),
      });
      await waitForSignal();
      process.stderr.write('journeys: shutting down…\n');
      await runtime.close();
    });
}

function waitForSignal(): Promise<void> {
  return new Promise((resolve) => {
    // The handlers stay installed after the first signal: tsx relays a terminal's Ctrl-C a
    // second time, and without a handler that second one would turn a clean stop into exit 130.
    let signalled = false;
    const done = () => {
      if (signalled) return;
      signalled = true;
      resolve();
    };
    process.on('SIGINT', done);
    process.on('SIGTERM', done);
  });
}

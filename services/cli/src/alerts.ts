import { readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Logger } from 'pino';
import { AlertRulesSchema, type AlertRules } from '@journeys/contracts';
import { createAlertService, createWebhookSender, openAlertStore, type AlertService } from '@journeys/api';
import { natsAlertPublisher, type EventBus, type NatsBus } from '@journeys/bus';
import type { CalendarSet, JourneyQueries } from '@journeys/projections';
import type { JourneyConfig } from './config.ts';
import { CliError } from './errors.ts';

/**
 * The live alerts of `journey serve`, configured from the environment (config.ts):
 * JOURNEY_ALERT_RULES (a JSON file of AlertRules; absent: the defaults), JOURNEY_ALERTS_DB
 * (the alert store; default beside the embedded store), JOURNEY_ALERT_WEBHOOKS with
 * JOURNEY_ALERT_WEBHOOK_SECRET (the HMAC key the digests are signed with).
 */
export function alertRulesFromFile(path: string | undefined): AlertRules {
  let raw: unknown = {};
  if (path !== undefined) {
    try {
      raw = JSON.parse(readFileSync(path, 'utf8'));
    } catch (err) {
      throw new CliError(`JOURNEY_ALERT_RULES: cannot read ${path} as JSON: ${(err as Error).message}`);
    }
  }
  const parsed = AlertRulesSchema.safeParse(raw);
  if (!parsed.success)
    throw new CliError(
      `JOURNEY_ALERT_RULES: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`,
    );
  return parsed.data;
}

/** Checks the webhook settings before anything is opened: a typo must stop start-up, not lose alerts. */
export function webhookUrls(config: Pick<JourneyConfig, 'alertWebhooks' | 'alertWebhookSecret'>): string[] {
  const urls = config.alertWebhooks;
  if (urls.length > 0 && config.alertWebhookSecret === undefined)
    throw new CliError('JOURNEY_ALERT_WEBHOOKS needs JOURNEY_ALERT_WEBHOOK_SECRET (the key of the HMAC signature)');
  for (const u of urls) {
    if (!URL.canParse(u) || !/^https?:$/.test(new URL(u).protocol))
      throw new CliError(`JOURNEY_ALERT_WEBHOOKS: ${JSON.stringify(u)} is not an http(s) URL`);
  }
  return urls;
}

export async function startAlerts(o: {
  config: JourneyConfig;
  queries: JourneyQueries;
  bus: EventBus;
  logger: Logger;
  calendars: CalendarSet | undefined;
  /** The alert store file; ':memory:' with a throwaway read store (tests). */
  dbPath: string;
}): Promise<AlertService> {
  const rules = alertRulesFromFile(o.config.alertRulesFile);
  const urls = webhookUrls(o.config);
  const log = o.logger.child({ component: 'alerts' });
  if (o.dbPath !== ':memory:') await mkdir(dirname(o.dbPath), { recursive: true });
  const store = openAlertStore(o.dbPath, o.calendars ? { calendars: o.calendars } : {});
  try {
    const publisher = o.bus.kind === 'nats' ? await natsAlertPublisher((o.bus as NatsBus).connection) : undefined;
    return createAlertService({
      inputs: () => o.queries.alertInputs(),
      rules,
      store,
      ...(o.calendars ? { calendars: o.calendars } : {}),
      ...(publisher ? { publish: (s: string, p: string, id: string) => publisher.publish(s, p, id) } : {}),
      ...(urls.length > 0
        ? {
            webhooks: createWebhookSender({
              urls,
              secret: o.config.alertWebhookSecret!,
              // The URL may carry a token in its query: log its origin and path only.
              onFailure: (url, err, attempt, final) =>
                log.warn({ url: safeUrl(url), attempt, final, err: err.message }, 'alert webhook delivery failed'),
            }),
          }
        : {}),
      onChange: (l) => o.queries.onChange(() => l()),
      onError: (err) => log.warn({ err }, 'alert evaluation or publication failed'),
    });
  } catch (err) {
    store.close();
    throw err;
  }
}

function safeUrl(url: string): string {
  const u = new URL(url);
  return `${u.origin}${u.pathname}`;
}

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { AlertRulesSchema, type AlertRules } from '@journeys/contracts';
import { createAlertService, createWebhookSender, openAlertStore, type AlertService } from '@journeys/api';
import { natsAlertPublisher, type EventBus, type NatsBus } from '@journeys/bus';
import type { CalendarSet, JourneyQueries } from '@journeys/projections';
import { storeHome, type JourneyConfig } from './config.ts';
import { CliError } from './errors.ts';

/**
 * The live alerts of `journey serve`, configured from the environment:
 *  - JOURNEY_ALERT_RULES  a JSON file of AlertRules (contracts/src/alerts.ts); absent: defaults
 *  - JOURNEY_ALERTS_DB    the alert store (SQLite); default `alerts.db` beside the embedded store
 *  - JOURNEY_ALERT_WEBHOOKS  comma-separated URLs; needs JOURNEY_ALERT_WEBHOOK_SECRET (HMAC key)
 */
export function alertRulesFromFile(path: string | undefined): AlertRules {
  let raw: unknown = {};
  if (path) {
    try {
      raw = JSON.parse(readFileSync(path, 'utf8'));
    } catch (err) {
      throw new CliError(`JOURNEY_ALERT_RULES: cannot read ${path}: ${(err as Error).message}`);
    }
  }
  const parsed = AlertRulesSchema.safeParse(raw);
  if (!parsed.success) throw new CliError(`JOURNEY_ALERT_RULES: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`);
  return parsed.data;
}

export async function startAlerts(o: {
  config: JourneyConfig;
  queries: JourneyQueries;
  bus: EventBus;
  logger: Logger;
  calendars: CalendarSet | undefined;
}): Promise<AlertService> {
  const env = o.config.alerts ?? {};
  const rules = alertRulesFromFile(env.rules);
  const urls = (env.webhooks ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '');
  const secret = env.webhookSecret;
  if (urls.length > 0 && !secret) throw new CliError('JOURNEY_ALERT_WEBHOOKS needs JOURNEY_ALERT_WEBHOOK_SECRET (the key of the HMAC signature)');
  for (const u of urls) if (!URL.canParse(u) || !/^https?:$/.test(new URL(u).protocol)) throw new CliError(`JOURNEY_ALERT_WEBHOOKS: ${JSON.stringify(u)} is not an http(s) URL`);
  const log = o.logger.child({ component: 'alerts' });
  const store = openAlertStore(env.db ?? join(storeHome(o.config), 'alerts.db'));
  const publisher = o.bus.kind === 'nats' ? await natsAlertPublisher((o.bus as NatsBus).connection) : undefined;
  const service = createAlertService({
    inputs: () => o.queries.alertInputs(),
    rules,
    store,
    ...(o.calendars ? { calendars: o.calendars } : {}),
    ...(publisher ? { publish: (s: string, p: string, id: string) => publisher.publish(s, p, id) } : {}),
    ...(urls.length > 0
      ? { webhooks: createWebhookSender({ urls, secret: secret!, onFailure: (url, err, attempt, final) => log.warn({ url, attempt, final, err: err.message }, 'alert webhook failed') }) }
      : {}),
    onChange: (l) => o.queries.onChange(() => l()),
    onError: (err) => log.warn({ err }, 'alert evaluation or publication failed'),
  });
  return service;
}

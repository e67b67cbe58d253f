export { commonMiddleware, createApp, type JourneysApp } from './app.ts';
export { createApiMetrics, registerProcessMetrics, type ApiMetrics } from './metrics.ts';
export type { AppDeps } from './deps.ts';
export {
  createAuth,
  parseDuration,
  TokenError,
  TokenRequestError,
  keyId,
  DEFAULT_TTL_SECONDS,
  MIN_SECRET_BYTES,
  type Auth,
  type SignOptions,
  type AuthOptions,
} from './auth/tokens.ts';
export { parseMaxTtl, DEFAULT_MAX_TTL_SECONDS } from './auth/lifetimes.ts';
export { createRevocationList, type RevocationList } from './auth/revocations.ts';
export { trustProxySetting } from './app.ts';
export { ACCESS, can, type Permission } from './auth/access.ts';
export type { Principal } from './auth/principal.ts';
export { openApiDocument } from './openapi/document.ts';
export { asyncApiDocument } from './openapi/asyncapi.ts';
export { checkReadiness } from './routes/ops.ts';
export { HttpProblem, PROBLEM_CONTENT_TYPE } from './problem.ts';
export { redactUrl } from './http/logging.ts';
export { DEFAULT_RATE_LIMITS, type RateLimits } from './http/rate-limit.ts';
export { openAlertStore, type AlertStore, type AlertListFilter, type AlertChange } from './alerts/store.ts';
export { createAlertService, type AlertService, type AlertServiceOptions } from './alerts/service.ts';
export { createWebhookSender, signBody, type WebhookOptions, type WebhookSender } from './alerts/webhooks.ts';

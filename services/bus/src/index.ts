export * from './bus.ts';
export { createInProcessBus, type InProcessBus, type InProcessBusOptions } from './in-process.ts';
export { connectNatsBus, natsBusFromConnection, type NatsBus, type NatsBusOptions } from './nats.ts';
export { openBus } from './open.ts';
export { completeEvent, publishValidated, validateBatch, type IngressOutcome, type ValidateBatchOptions } from './ingress.ts';
export { plausibilityProblems, MAX_FUTURE_SKEW_MS, EARLIEST_OCCURRED_AT_MS } from './plausibility.ts';
export { encodeEvent, toText } from './codec.ts';
export { consumerSettings, streamSettings, DEFAULT_CONSUMER_SETTINGS, DUPLICATE_WINDOW_MS, type StreamLimits } from './streams.ts';
export type { NatsConnection } from '@nats-io/transport-node';

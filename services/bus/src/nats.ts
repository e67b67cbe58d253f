// The NATS JetStream bus, one file per operation under nats/ (connect, publish, consume, streams).
export { connectNatsBus, natsBusFromConnection, type NatsBus, type NatsBusOptions } from './nats/connect.ts';

export { startIngest, type IngestCounters, type IngestHandle, type IngestOptions } from './ingest.ts';
export { deadLetterOf } from './letters.ts';
export { classifyMessage, type Classified } from './classify.ts';
export { ingestMetrics, type IngestMetrics } from './metrics.ts';
export { replayDeadLetters, type ReplayOptions, type ReplaySummary } from './replay.ts';

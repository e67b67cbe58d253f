export type { DeadLetterPage, DeadLetterQuery, DeadLetterStore, ReplayRecord } from './port.ts';
export { buildDeadLetter, MAX_DEAD_LETTER_PAYLOAD } from './build.ts';
export { memoryDeadLetters } from './memory.ts';
export { natsDeadLetters } from './nats.ts';
export { openSqliteDeadLetters, type SqliteDeadLetterOptions } from './sqlite.ts';

import Database from 'better-sqlite3';

/** better-sqlite3 itself, for tools outside this package (the benchmark's raw ceiling). */
export { Database };

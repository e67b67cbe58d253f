/** Pure helpers of the viewer, for tests and benches in Node (the app itself is src/main.ts). */
export * from './model.ts';
export * from './format.ts';

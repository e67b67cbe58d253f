export * from './inputs.ts';
export * from './evaluate.ts';
export * from './reconcile.ts';

let t = performance.now();
await import('../src/sqlite/store.ts');
console.log('sqlite ms', performance.now() - t);
t = performance.now();
await import('@eventstore/db-client');
console.log('esdb client ms', performance.now() - t);

const t = performance.now();
await import('../src/index.ts');
console.log('import ms', performance.now() - t);
const { openEventStore } = await import('../src/index.ts');
const s = openEventStore('esdb://127.0.0.1:1?tls=false');
console.log(s.kind, await s.ping());
await s.close();

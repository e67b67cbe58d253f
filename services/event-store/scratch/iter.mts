const N = 1_000_000;
const page = Array.from({ length: 1000 }, (_, i) => ({ i }));
async function* gen() { for (let p = 0; p < N / 1000; p++) for (const x of page) yield x; }
function manual(): AsyncIterable<{ i: number }> {
  return { [Symbol.asyncIterator]() { let p = 0, k = 0; return { next() { if (k === page.length) { k = 0; p++; } if (p >= N / 1000) return Promise.resolve({ done: true, value: undefined }); return Promise.resolve({ done: false, value: page[k++]! }); } } as AsyncIterator<{ i: number }>; } };
}
for (let r = 0; r < 2; r++) {
let t = performance.now(); let s = 0;
for await (const x of gen()) s += x.i;
console.log('gen', performance.now() - t);
t = performance.now(); s = 0;
for await (const x of manual()) s += x.i;
console.log('manual', performance.now() - t);
}

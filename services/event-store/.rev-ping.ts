import { openEventStore } from '@journeys/event-store';
const s = openEventStore('esdb://127.0.0.1:45013?tls=false');
const t0 = Date.now();
const timer = setTimeout(() => { console.log('still pending after 20s'); process.exit(2); }, 20000);
console.log('ping', await s.ping(), Date.now() - t0);
clearTimeout(timer);
await s.close(); console.log('closed');

// The fixed-rate client (lib/load.js `paced`) in a process of its own. In the bench's main process its garbage (at
// 300 req/s B's 45 KB bodies are ~13 MB/s) met that process's large heap (the local IdP, autocannon's results): a
// major GC every ~300 ms, whose marking threads took a core while requests were in flight, and whose pauses were
// timed as the target's latency (BENCHMARKS.md, log 23). Started once by bench/run.js: for each
// `{ origin, requests, options }` it runs `paced` and answers `{ result }`.
import { paced } from './load.js';
import { exitWithParent } from './processes.js';

exitWithParent();
process.on('message', async ({ origin, requests, options }) => {
  process.send?.({ result: await paced(origin, requests, options) });
});
process.send?.({ ready: true });

// Owns the nginx baseline for the benchmark. nginx is a spawned binary that cannot notice its parent going, so a
// bench process killed outright used to leave it running; this guard is forked with IPC like the other children
// and stops nginx when its channel closes (however the bench ended) or on SIGTERM, then exits with it.
// Environment: BENCH_NGINX_ARGV (JSON: [binary, ...arguments]). Sends { ready: true, pid } (nginx's master) over
// IPC once nginx is spawned; the caller probes its port. nginx's stderr is this process's stderr.
import { spawn } from 'node:child_process';

const [bin, ...argv] = JSON.parse(process.env.BENCH_NGINX_ARGV ?? '[]');
const nginx = spawn(bin, argv, { stdio: ['ignore', 'ignore', 'inherit'] });
let stopping = false;
const stop = () => {
  if (stopping) return;
  stopping = true;
  nginx.kill('SIGTERM'); // nginx's fast shutdown: the master stops its worker, then exits
};
process.on('disconnect', stop);
process.on('SIGTERM', stop);
nginx.once('spawn', () => process.send?.({ ready: true, pid: nginx.pid }));
nginx.once('error', (err) => {
  process.stderr.write(`nginx could not be started: ${err.message}\n`);
  process.exit(1);
});
nginx.once('exit', () => process.exit(stopping ? 0 : 1)); // nginx ending by itself is a failure

// Baseline: nginx as a reverse proxy on loopback, with a generated configuration in a temporary directory.
// Installs Debian's nginx (apt-get) when it is missing and installing is allowed. One worker process, so it
// is compared like for like with the single Node process of the facade and the Fastify proxy.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startChild, stopChild } from './processes.js';

const CANDIDATES = ['/usr/sbin/nginx', '/usr/bin/nginx', '/usr/local/sbin/nginx', '/usr/local/bin/nginx'];

export function findNginx() {
  return CANDIDATES.find((p) => existsSync(p));
}

/** The nginx binary, installing the Debian package when allowed; undefined when unavailable. */
export function ensureNginx({ install, log }) {
  const found = findNginx();
  if (found || !install) return found;
  log('nginx not installed: apt-get update && apt-get install -y nginx');
  try {
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    execFileSync('apt-get', ['update'], { stdio: 'ignore', env });
    execFileSync('apt-get', ['install', '-y', '--no-install-recommends', 'nginx'], { stdio: 'ignore', env });
  } catch (err) {
    log(`nginx install failed: ${err.message}`);
  }
  return findNginx();
}

/** `nginx version: nginx/1.22.1` (nginx -v writes it to stderr). */
export function nginxVersion(bin) {
  const r = spawnSync(bin, ['-v'], { encoding: 'utf8' });
  return `${r.stdout ?? ''}${r.stderr ?? ''}`.trim() || undefined;
}

/**
 * Starts nginx in the foreground proxying 127.0.0.1:<port> to the upstream port; resolves when it answers, with
 * its guard process (stop that one: it stops nginx) and nginx's master pid (its CPU time, with its worker's).
 */
export async function startNginx(bin, { dir, port, upstreamPort, probePath }) {
  mkdirSync(join(dir, 'logs'), { recursive: true });
  const conf = join(dir, 'nginx.conf');
  writeFileSync(
    conf,
    `daemon off;
master_process on;
worker_processes 1;
pid ${join(dir, 'nginx.pid')};
error_log ${join(dir, 'logs', 'error.log')} warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path ${join(dir, 'client_body')};
  proxy_temp_path ${join(dir, 'proxy')};
  fastcgi_temp_path ${join(dir, 'fastcgi')};
  uwsgi_temp_path ${join(dir, 'uwsgi')};
  scgi_temp_path ${join(dir, 'scgi')};
  keepalive_requests 1000000;
  keepalive_timeout 120s;
  upstream canned { server 127.0.0.1:${upstreamPort}; keepalive 128; keepalive_requests 1000000; }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://canned;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_buffering on;
      proxy_buffer_size 16k;
      proxy_buffers 16 16k;
    }
  }
}
`,
  );
  // Through a forked guard (nginx-guard.js), which stops nginx when this process goes, however it ends.
  const guard = await startChild(join(import.meta.dirname, 'nginx-guard.js'), {
    env: { BENCH_NGINX_ARGV: JSON.stringify([bin, '-p', dir, '-c', conf]) },
  });
  const { child } = guard;
  for (let i = 0; i < 100; i++) {
    if (child.exitCode !== null) throw new Error(`nginx exited: ${guard.stderr().trim()}`);
    try {
      const res = await fetch(`http://127.0.0.1:${port}${probePath}`);
      await res.arrayBuffer();
      if (res.ok) return { guard: child, pid: guard.message.pid };
    } catch {
      // not yet listening
    }
    await sleep(50);
  }
  await stopChild(child);
  throw new Error(`nginx did not answer: ${guard.stderr().trim()}`);
}

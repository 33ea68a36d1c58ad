import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/*
 * Ports for servers that must be named before they listen: the facade's (the IdP's redirect URIs and the tokens'
 * audience name it) and the processes started on a port given to them (redis-server, a facade child).
 *
 * Not `listen(0)` then close: the kernel may give that port to the next `listen(0)` or outgoing connection of any
 * process before the server binds it (CI once failed so, EADDRINUSE). These ports are taken below the kernel's
 * ephemeral range, which it never hands out by itself, and each vitest worker draws from its own block of them, so
 * two test files running at once are never given the same one. A port is handed out only if it binds free now.
 * The bench (bench/run.js) uses this too: from block 0 when run alone, or from its parent test's block.
 */

const LOWEST = 10_000;
const BLOCK = 2_000;

function ephemeralLow(): number {
  try {
    const low = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    return Number.isInteger(low) && low > LOWEST + BLOCK ? low : 32_768;
  } catch {
    return 32_768; // Linux's default
  }
}

const blocks = Math.floor((ephemeralLow() - LOWEST) / BLOCK);
const blockStart = LOWEST + ((Number(process.env.VITEST_POOL_ID) || 0) % blocks) * BLOCK;
let next = Math.floor(Math.random() * BLOCK); // a random start: the last file's children may still hold the first ports

function bindsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** A loopback port that no other process is handed meanwhile, free when returned. */
export async function freePort(): Promise<number> {
  for (let tries = 0; tries < BLOCK; tries++) {
    const port = blockStart + (next++ % BLOCK);
    if (await bindsFree(port)) return port;
  }
  throw new Error(`no free port in ${blockStart}-${blockStart + BLOCK - 1}`);
}

import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/*
 * Ports for servers that must be named before they listen: the facade's (the IdP's redirect URIs and the tokens'
 * audience name it) and the processes started on a port given to them (redis-server, a facade child).
 *
 * Not `listen(0)` then close: the kernel may give that port to the next `listen(0)` or outgoing connection of any
 * process before the server binds it (CI once failed so, EADDRINUSE). These ports are taken outside the kernel's
 * ephemeral range, which it never hands out by itself, and each vitest worker draws from its own block of them, so
 * two test files running at once are never given the same one (while there are fewer workers than blocks: 11 on
 * Linux's defaults). A port is handed out only if it binds free now.
 * The bench (bench/run.js) uses this too: from block 0 when run alone, or from its parent test's block.
 */

const BLOCK = 2_000;

/** The longer stretch of ports the kernel never hands out by itself: 10000 up to its ephemeral range, or above it. */
function portsOutsideEphemeral(): { first: number; count: number } {
  let [low, high] = [32_768, 60_999]; // Linux's defaults
  try {
    const range = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    if (range.length === 2 && range.every(Number.isInteger)) [low, high] = range as [number, number];
  } catch {
    // not Linux: keep the defaults
  }
  const below = { first: 10_000, count: low - 10_000 };
  const above = { first: high + 1, count: 65_535 - high };
  return below.count >= above.count ? below : above;
}

const outside = portsOutsideEphemeral();
const size = Math.max(1, Math.min(BLOCK, outside.count));
const blockStart = outside.first + ((Number(process.env.VITEST_POOL_ID) || 0) % Math.max(1, Math.floor(outside.count / size))) * size;
let next = Math.floor(Math.random() * size); // a random start: the last file's children may still hold the first ports

function bindsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** A loopback port, free when returned, that the kernel gives to no other socket meanwhile. */
export async function freePort(): Promise<number> {
  for (let tries = 0; tries < size; tries++) {
    const port = blockStart + (next++ % size);
    if (await bindsFree(port)) return port;
  }
  throw new Error(`no free port in ${blockStart}-${blockStart + size - 1}`);
}

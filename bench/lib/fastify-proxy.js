// Baseline: a bare Fastify reverse proxy (@fastify/reply-from, undici pool, no logger), in its own process.
// It streams every request to the upstream origin and the answer back, untouched.
// Environment: BENCH_UPSTREAM (origin, e.g. http://127.0.0.1:1234). Sends { ready: true, port } over IPC.
import Fastify from 'fastify';
import replyFrom from '@fastify/reply-from';
import { exitWithParent } from './processes.js';

exitWithParent();
const app = Fastify({ logger: false });
await app.register(replyFrom, { base: process.env.BENCH_UPSTREAM, undici: { connections: 128, pipelining: 1, keepAliveTimeout: 60_000 } });
app.all('/*', (request, reply) => reply.from(request.url));
await app.listen({ port: 0, host: '127.0.0.1' });
process.send?.({ ready: true, port: app.server.address().port });
process.on('SIGTERM', () => app.close().then(() => process.exit(0)));

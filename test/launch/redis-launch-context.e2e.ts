/**
 * Two facade instances behind one public URL (as behind APIM) share launch contexts through a real Redis:
 * a launch issued by one is redeemed at the other, once.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.factory.js';
import { createFhirBackend } from '../../src/backends/index.js';
import { RedisLaunchContextStore, storeKey } from '../../src/launch/index.js';
import { freePort } from '../support/free-port.js';
import { startTestStack, type TestStack } from '../support/test-stack.js';
import { authorizeThroughFacade, authorizeUrl, exchange } from './support/facade-flow.js';
import { startRedisServer, type RedisServer } from './support/redis-server.js';

let redis: RedisServer;
let stack: TestStack;
let second: NestFastifyApplication;
let secondBase: string;

beforeAll(async () => {
  redis = await startRedisServer();
  stack = await startTestStack({ env: { REDIS_URL: redis.url } });
  // Instance B: the same configuration (same public URL, same Redis), its own port.
  // Its own audit outbox, as each replica has.
  const config = { ...stack.config, audit: { ...stack.config.audit, storePath: join(mkdtempSync(join(tmpdir(), 'facade-audit-b-')), 'audit.sqlite') } };
  second = await createApp(config, createFhirBackend(config, stack.upstreamBaseUrl));
  const port = await freePort();
  await second.listen(port, '127.0.0.1');
  secondBase = `http://127.0.0.1:${port}`;
});
afterAll(async () => {
  await second?.close();
  await stack?.close();
  await redis?.stop();
});

describe('launch contexts in Redis', () => {
  it('a launch issued by instance A is redeemed at instance B, and only once', async () => {
    const token = await stack.token('Practitioner/prac-01', 'openid fhirUser user/*.rs');
    const res = await stack.fetch('/bff/provider/launch', {
      method: 'POST',
      token,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ clientId: 'smart-app', patient: 'pat-006', encounter: 'enc-006-1' }),
    });
    expect(res.status).toBe(201);
    const { launch } = (await res.json()) as { launch: string };

    // Authorize at B; the token endpoint at A (the binding is shared too).
    const code = await authorizeThroughFacade({ baseUrl: secondBase, aud: stack.fhirBase, user: 'Practitioner/prac-01', scope: 'launch openid fhirUser patient/*.rs', launch });
    const tok = await exchange(stack.baseUrl, code);
    expect(tok.status).toBe(200);
    expect(tok.body).toMatchObject({ patient: 'pat-006', encounter: 'enc-006-1' });

    const replayAtA = await fetch(authorizeUrl({ baseUrl: stack.baseUrl, aud: stack.fhirBase, user: 'x', scope: 'launch', launch }).url, { redirect: 'manual' });
    expect(replayAtA.status).toBe(400);
  });

  it('take is atomic: of many concurrent redemptions exactly one wins', async () => {
    const a = new RedisLaunchContextStore(redis.url);
    const b = new RedisLaunchContextStore(redis.url);
    try {
      const key = storeKey('launch', 'race-test');
      await a.put(key, { patient: 'pat-001' }, 5_000);
      const results = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).take(key)));
      expect(results.filter((r) => r !== undefined)).toHaveLength(1);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('get reads a value as often as asked, from any instance, until it expires', async () => {
    const a = new RedisLaunchContextStore(redis.url);
    const b = new RedisLaunchContextStore(redis.url);
    try {
      const key = storeKey('token', 'get-test');
      await a.put(key, { patient: 'pat-001', encounter: 'enc-001-1' }, 300);
      expect(await a.get(key)).toEqual({ patient: 'pat-001', encounter: 'enc-001-1' });
      expect(await b.get(key)).toEqual({ patient: 'pat-001', encounter: 'enc-001-1' });
      expect(await b.get(storeKey('token', 'another-token'))).toBeUndefined();
      await new Promise((r) => setTimeout(r, 450));
      expect(await a.get(key)).toBeUndefined();
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('values expire in Redis', async () => {
    const s = new RedisLaunchContextStore(redis.url);
    try {
      const key = storeKey('launch', 'expiry-test');
      await s.put(key, { patient: 'pat-001' }, 100);
      await new Promise((r) => setTimeout(r, 250));
      expect(await s.take(key)).toBeUndefined();
    } finally {
      await s.close();
    }
  });
});

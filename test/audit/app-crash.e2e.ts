/**
 * Nothing is lost when the process dies: the facade (compiled and bundled as it ships, in a child process) records events while
 * Event Hubs is down, is killed with SIGKILL, and is started again on the same outbox once the hub is back:
 * every event that was pending at the kill is delivered.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFhirSandbox, type FhirSandbox } from '../../src/sandbox/index.js';
import { AmqpPeer } from '../support/amqp-peer.js';
import { freePort } from '../support/free-port.js';
import { startTestIssuer, type TestIssuer } from '../support/test-issuer.js';

const ROOT = resolve(import.meta.dirname, '../..');
const BUILD = join(ROOT, 'test/.artifacts/crash-build');

describe('audit events survive a SIGKILL', () => {
  let sandbox: FhirSandbox;
  let peer: AmqpPeer;
  let issuer: TestIssuer;
  let child: ChildProcess | undefined;
  const store = join(mkdtempSync(join(tmpdir(), 'facade-crash-')), 'audit.sqlite');

  beforeAll(async () => {
    try {
      execFileSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json', '--outDir', BUILD], { cwd: ROOT, stdio: 'pipe' });
    } catch {
      // Type errors elsewhere still emit JavaScript; the entry point must exist.
    }
    expect(existsSync(join(BUILD, 'src/main.js'))).toBe(true);
    // Bundled as `npm run build` does (rolldown.config.mjs): the bundle, its audit writer thread included, is what runs.
    execFileSync(process.execPath, [join(ROOT, 'rolldown.config.mjs')], {
      cwd: ROOT,
      stdio: 'pipe',
      env: { ...process.env, BUNDLE_DIST: BUILD },
    });
    expect(existsSync(join(BUILD, 'bundle/main.js'))).toBe(true);
    sandbox = await startFhirSandbox({ port: 0, host: '127.0.0.1' });
    peer = await AmqpPeer.create();
    issuer = await startTestIssuer();
  }, 120_000);
  afterAll(async () => {
    child?.kill('SIGKILL');
    await peer?.close();
    await issuer?.close();
    await sandbox?.close();
  });

  async function startFacade(port: number): Promise<ChildProcess> {
    const fhirBase = `http://127.0.0.1:${port}/fhir`;
    const proc = spawn(process.execPath, [join(BUILD, 'bundle/main.js')], {
      cwd: ROOT,
      stdio: 'ignore',
      env: {
        PATH: process.env.PATH,
        APP_PROFILE: 'local',
        PORT: String(port),
        FHIR_BASE_URL: sandbox.url,
        LOCAL_IDP_PORT: '0',
        AUTH_ISSUERS: JSON.stringify([{ issuer: issuer.issuer, audiences: [fhirBase] }]),
        AUDIT_STORE_PATH: store,
        AUDIT_EVENTHUB_CONNECTION_STRING: peer.connectionString(),
        MASKING_POLICY_PATH: join(ROOT, 'src/masking/policies/masking-policy.v1.json'),
        LOG_LEVEL: 'silent',
      },
    });
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      try {
        if ((await fetch(`http://127.0.0.1:${port}/health/live`)).ok) return proc;
      } catch {
        /* not up yet */
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    proc.kill('SIGKILL');
    throw new Error('facade did not start');
  }

  const pendingIds = (): string[] => {
    const db = new DatabaseSync(store, { readOnly: true });
    try {
      return (db.prepare('SELECT event_id FROM audit_event WHERE delivered_at IS NULL ORDER BY seq').all() as { event_id: string }[]).map((r) => r.event_id);
    } finally {
      db.close();
    }
  };

  it('delivers after a restart what was pending when the process was killed', async () => {
    await peer.stop(); // Event Hubs is down: events stay in the outbox
    const port = await freePort();
    child = await startFacade(port);
    const token = await issuer.sign({
      iss: issuer.issuer,
      aud: `http://127.0.0.1:${port}/fhir`,
      sub: 'crash-test',
      client_id: 'crash-test',
      scope: 'system/*.rs',
      exp: Math.floor(Date.now() / 1000) + 600,
    });
    for (let i = 1; i <= 20; i++) {
      const id = `pat-${String(i).padStart(3, '0')}`;
      const res = await fetch(`http://127.0.0.1:${port}/fhir/Patient/${id}`, { headers: { authorization: `Bearer ${token}` } });
      expect(res.status).toBe(200);
    }
    child.kill('SIGKILL');
    await new Promise((r) => child!.once('exit', r));

    const pending = pendingIds();
    expect(pending.length).toBeGreaterThanOrEqual(20);
    expect(peer.uniqueIds().size).toBe(0);

    await peer.start();
    child = await startFacade(await freePort());
    await peer.waitFor(() => pending.every((id) => peer.uniqueIds().has(id)), 60_000);
    for (const id of pending) expect(peer.uniqueIds().has(id)).toBe(true);
    child.kill('SIGTERM');
    await new Promise((r) => child!.once('exit', r));
    child = undefined;
    expect(pendingIds()).toEqual([]);
  }, 120_000);
});

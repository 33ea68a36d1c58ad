/**
 * The demo SMART app in headless Chromium (Debian `chromium` driven by playwright-core): a standalone launch
 * as a patient and an EHR launch from the provider dashboard, each through the facade's /auth endpoints and
 * the local IdP's sign-in page; the banner shows the patient in context with the SSN masked.
 * Screenshots go to test/.artifacts/ (git-ignored).
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeSandbox } from '../../src/sandbox/index.js';
import { startTestStack, type TestStack } from '../support/test-stack.js';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = new URL('../.artifacts/', import.meta.url);
const sandbox = describeSandbox();
let stack: TestStack;
let context: BrowserContext;
let userDataDir: string;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: install the Debian package chromium (.ci/run does)`);
  stack = await startTestStack();
  userDataDir = mkdtempSync(join(tmpdir(), 'facade-chromium-'));
  context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  mkdirSync(ARTIFACTS, { recursive: true });
});
afterAll(async () => {
  await context?.close();
  if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
  await stack?.close();
});

/** Signs in on the local IdP's page as `user`, then waits for the demo app to finish loading. */
async function signInAndWait(page: Page, user: string): Promise<void> {
  await page.waitForURL(/\/interaction\//, { timeout: 20_000 });
  await page.selectOption('select[name="user"]', user);
  await page.click('button[type="submit"]');
  await page.waitForSelector('body[data-status="ready"], body[data-status="error"]', { timeout: 20_000 });
  const error = await page.textContent('#error');
  expect(await page.getAttribute('body', 'data-status'), error ?? '').toBe('ready');
}

function expectMasked(html: string): void {
  for (const p of sandbox.patients) {
    expect(html).not.toContain(p.ssn);
    expect(html).not.toContain(p.ssnFormatted);
  }
}

describe('demo SMART app in headless Chromium', () => {
  it('completes a standalone launch as a patient and shows the banner, masked', async () => {
    await context.clearCookies();
    const page = await context.newPage();
    await page.goto(`${stack.baseUrl}/demo-app/launch.html?iss=${encodeURIComponent(stack.fhirBase)}`);
    await signInAndWait(page, 'Patient/pat-001');
    expect(await page.textContent('#patient-id')).toBe('pat-001');
    const me = sandbox.patients.find((p) => p.id === 'pat-001')!;
    expect(await page.textContent('#patient-name')).toContain(me.family);
    expect(await page.textContent('#patient-ssn')).toMatch(/\S/);
    expect(await page.locator('#observations tr').count()).toBeGreaterThan(0);
    expect(await page.isVisible('#banner')).toBe(true);
    expectMasked(await page.content());
    await page.screenshot({ path: new URL('demo-app-standalone.png', ARTIFACTS).pathname, fullPage: true });
    await page.close();
  });

  it('completes an EHR launch from the provider dashboard with the right patient and encounter', async () => {
    const token = await stack.token('Practitioner/prac-01', 'openid fhirUser user/*.rs');
    const res = await stack.fetch('/bff/provider/launch', {
      method: 'POST',
      token,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ clientId: 'smart-app', patient: 'pat-007', encounter: 'enc-007-2' }),
    });
    expect(res.status).toBe(201);
    const { launchUrl } = (await res.json()) as { launchUrl: string };

    await context.clearCookies();
    const page = await context.newPage();
    await page.goto(launchUrl);
    await signInAndWait(page, 'Practitioner/prac-01');
    expect(await page.textContent('#patient-id')).toBe('pat-007');
    expect(await page.textContent('#encounter-id')).toBe('enc-007-2');
    expect(await page.textContent('#launch-type')).toContain('EHR');
    expectMasked(await page.content());
    await page.screenshot({ path: new URL('demo-app-ehr-launch.png', ARTIFACTS).pathname, fullPage: true });
    await page.close();
  });
});

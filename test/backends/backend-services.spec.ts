/**
 * SMART Backend Services against the local EMR token endpoints (oidc-provider, `private_key_jwt` only):
 * a good assertion (Epic: RS384, Oracle Health: ES384) gets a token the EMR's FHIR API accepts; assertions
 * wrong in exactly one way are refused. Then the facade's own client (SmartBackendCredential): token cached,
 * one fresh token after the EMR revokes it, a rotated key read again from the secrets provider.
 *
 * @see https://hl7.org/fhir/smart-app-launch/backend-services.html#authenticating-to-the-token-endpoint
 */
import { randomUUID } from 'node:crypto';
import { generateKeyPair, importJWK, SignJWT, type JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EmrBackend } from '../../src/backends/emr/emr.backend.js';
import { OperationOutcomeError, UpstreamTooLargeError } from '../../src/fhir/outcomes.js';
import { SmartBackendCredential } from '../../src/backends/emr/smart-backend.credential.js';
import { LocalSecretsProvider } from '../../src/secrets/index.js';
import { generateEmrClientKey } from '../../src/sandbox/emr-sandbox.keys.js';
import { EMR_CLIENT_IDS, startEmrSandboxes, type EmrSandboxes } from '../../src/sandbox/emr-sandbox.stack.js';
import type { EmrSandbox } from '../../src/sandbox/emr-sandbox.server.js';

let emrs: EmrSandboxes;
beforeAll(async () => {
  emrs = await startEmrSandboxes();
});
afterAll(() => emrs?.close());

interface AssertionParts {
  readonly clientId: string;
  readonly aud: string;
  readonly key: JWK | CryptoKey;
  readonly kid: string;
  readonly alg: string;
  readonly expiresIn?: number;
  readonly jti?: string;
}

async function assertion(p: AssertionParts): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const key = 'kty' in p.key ? await importJWK(p.key as JWK, p.alg) : p.key;
  return new SignJWT({})
    .setProtectedHeader({ alg: p.alg, kid: p.kid, typ: 'JWT' })
    .setIssuer(p.clientId)
    .setSubject(p.clientId)
    .setAudience(p.aud)
    .setIssuedAt(now)
    .setExpirationTime(now + (p.expiresIn ?? 240))
    .setJti(p.jti ?? randomUUID())
    .sign(key);
}

async function tokenRequest(emr: EmrSandbox, clientAssertion: string): Promise<Response> {
  return fetch(emr.tokenUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      scope: 'system/Patient.rs',
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: clientAssertion,
    }).toString(),
  });
}

for (const name of ['epic', 'cerner'] as const) {
  describe(`${name} token endpoint`, () => {
    const good = (): AssertionParts => {
      const key = emrs.keys[name];
      return { clientId: EMR_CLIENT_IDS[name], aud: emrs[name].tokenUrl, key: JSON.parse(key.privateJwkJson) as JWK, kid: key.kid, alg: key.alg };
    };
    const refused = async (parts: AssertionParts) => {
      const res = await tokenRequest(emrs[name], await assertion(parts));
      expect(res.status).toBe(401);
      expect(((await res.json()) as { error: string }).error).toBe('invalid_client');
    };

    it(`a good ${name === 'epic' ? 'RS384' : 'ES384'} assertion gets a token that the EMR's FHIR API accepts`, async () => {
      const res = await tokenRequest(emrs[name], await assertion(good()));
      expect(res.status).toBe(200);
      const { access_token: token, token_type: type } = (await res.json()) as { access_token: string; token_type: string };
      expect(type).toBe('Bearer');
      const read = await fetch(`${emrs[name].fhirBaseUrl}/Practitioner?_count=1`, { headers: { authorization: `Bearer ${token}` } });
      expect(read.status).toBe(200);
    });

    it('the FHIR API refuses requests without a token', async () => {
      expect((await fetch(`${emrs[name].fhirBaseUrl}/Practitioner`)).status).toBe(401);
    });

    it('refuses an assertion whose aud is not the token URL', () => refused({ ...good(), aud: 'https://fhir.example.org/oauth2/token' }));
    it('refuses an expired assertion', () => refused({ ...good(), expiresIn: -120 }));
    it('refuses an assertion valid for more than five minutes', () => refused({ ...good(), expiresIn: 3600 }));
    it('refuses a reused jti', async () => {
      const jti = randomUUID();
      expect((await tokenRequest(emrs[name], await assertion({ ...good(), jti }))).status).toBe(200);
      await refused({ ...good(), jti });
    });
    it('refuses an assertion signed with another key under the registered kid', async () => {
      const other = await generateEmrClientKey(good().alg as 'RS384' | 'ES384');
      await refused({ ...good(), key: JSON.parse(other.privateJwkJson) as JWK });
    });
    it('refuses an unknown kid', () => refused({ ...good(), kid: 'not-registered' }));
    it('refuses another algorithm than the registered one', async () => {
      const { privateKey } = await generateKeyPair('RS256');
      await refused({ ...good(), key: privateKey, alg: 'RS256' });
    });
  });
}

describe("the facade's SMART Backend Services client", () => {
  const makeSecrets = () => {
    const secrets = new LocalSecretsProvider({ refreshMs: 60_000 });
    secrets.set('epic-client-id', EMR_CLIENT_IDS.epic);
    secrets.set('epic-private-key', emrs.keys.epic.privateJwkJson);
    return secrets;
  };
  const client = (secrets: LocalSecretsProvider, maxResponseBytes = 65_536) => {
    const credential = new SmartBackendCredential({
      tokenUrl: emrs.epic.tokenUrl,
      scope: 'system/Patient.rs system/Appointment.rs',
      secrets,
      clientIdSecret: 'epic-client-id',
      privateKeySecret: 'epic-private-key',
      timeoutMs: 5000,
    });
    return { credential, backend: new EmrBackend('epic', emrs.epic.fhirBaseUrl, credential, 'system/Patient.rs', { timeoutMs: 5000, maxResponseBytes }) };
  };

  it('caches the token: many reads, one token request', async () => {
    const { backend } = client(makeSecrets());
    const before = emrs.epic.faults.hits.token;
    for (let i = 0; i < 5; i += 1) expect((await backend.request({ method: 'GET', path: 'Practitioner' })).status).toBe(200);
    expect(emrs.epic.faults.hits.token - before).toBe(1);
  });

  it("an answer over the size limit keeps its too-costly outcome (only the EMR's own errors become a plain 502)", async () => {
    const { backend } = client(makeSecrets(), 256);
    const err = (await backend.request({ method: 'GET', path: 'Practitioner' }).catch((e: unknown) => e)) as OperationOutcomeError;
    expect(err).toBeInstanceOf(UpstreamTooLargeError);
    expect(err.outcome.issue[0]?.code).toBe('too-costly');
  });

  it('after a 401 from the EMR, gets one fresh token and retries once', async () => {
    const { backend } = client(makeSecrets());
    await backend.request({ method: 'GET', path: 'Practitioner' });
    const tokensBefore = emrs.epic.faults.hits.token;
    const fhirBefore = emrs.epic.faults.hits.fhir;
    emrs.epic.faults.revokeTokens();
    await new Promise((r) => setTimeout(r, 1100)); // new tokens carry a later iat than the revocation
    expect((await backend.request({ method: 'GET', path: 'Practitioner' })).status).toBe(200);
    expect(emrs.epic.faults.hits.token - tokensBefore).toBe(1);
    expect(emrs.epic.faults.hits.fhir - fhirBefore).toBe(2);
  });

  it('a key rotated in the secrets provider is used once the EMR has retired the old key', async () => {
    const secrets = makeSecrets();
    const { credential, backend } = client(secrets);
    expect((await backend.request({ method: 'GET', path: 'Practitioner' })).status).toBe(200);
    const next = await generateEmrClientKey('RS384');
    secrets.set('epic-private-key', next.privateJwkJson); // rotated in the vault; the cache still has the old one
    emrs.epic.setClientKeys(EMR_CLIENT_IDS.epic, [next.publicJwk]); // the EMR now accepts only the new key
    try {
      credential.invalidate();
      expect((await backend.request({ method: 'GET', path: 'Practitioner' })).status).toBe(200);
    } finally {
      emrs.epic.setClientKeys(EMR_CLIENT_IDS.epic, [emrs.keys.epic.publicJwk]);
    }
  });

  it('a token endpoint that is down fails the call quickly, without a token', async () => {
    const { backend } = client(makeSecrets());
    emrs.epic.faults.tokenDown = true;
    try {
      await expect(backend.request({ method: 'GET', path: 'Practitioner' })).rejects.toMatchObject({ reason: 'unreachable' });
    } finally {
      emrs.epic.faults.tokenDown = false;
    }
  });
});

/**
 * A local stand-in for Azure Key Vault's secrets REST API over HTTPS (self-signed certificate): the challenge
 * (401 with `WWW-Authenticate: Bearer authorization=..., resource=...`), then `GET /secrets/{name}/` with a
 * bearer token, answering the latest version of each secret, 404 `SecretNotFound`, or nothing when down.
 *
 * @see https://learn.microsoft.com/rest/api/keyvault/secrets/get-secret/get-secret
 * @see https://learn.microsoft.com/azure/key-vault/general/authentication-requests-and-responses
 */
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { selfSignedCert } from './self-signed-cert.js';

export const STAND_IN_TOKEN = 'stand-in-access-token';

export interface KeyVaultStandIn {
  readonly url: string;
  readonly certPem: string;
  /** Sets a secret (a new version each time). */
  set(name: string, value: string): void;
  down: boolean;
  readonly requests: { readonly path: string; readonly authorized: boolean }[];
  close(): Promise<void>;
}

export async function startKeyVaultStandIn(): Promise<KeyVaultStandIn> {
  const { certPem, keyPem } = selfSignedCert();
  const secrets = new Map<string, { value: string; version: string }>();
  const requests: { path: string; authorized: boolean }[] = [];
  let versions = 0;
  let url = '';
  const state = { down: false };
  const server: Server = createServer({ cert: certPem, key: keyPem }, (req, res) => {
    const path = new URL(req.url ?? '/', 'https://x').pathname;
    const authorized = req.headers.authorization === `Bearer ${STAND_IN_TOKEN}`;
    requests.push({ path, authorized });
    if (state.down) return req.socket.destroy();
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
      res.end(JSON.stringify(body));
    };
    if (!authorized) {
      return send(401, { error: { code: 'Unauthorized', message: 'AKV10000: Request is missing a Bearer or PoP token.' } }, {
        'www-authenticate': 'Bearer authorization="https://login.microsoftonline.com/00000000-0000-0000-0000-000000000000", resource="https://vault.azure.net"',
      });
    }
    const name = /^\/secrets\/([A-Za-z0-9-]+)\/?$/.exec(path)?.[1];
    const secret = name ? secrets.get(name) : undefined;
    if (!name || !secret) return send(404, { error: { code: 'SecretNotFound', message: 'A secret with (name/id) was not found in this key vault.' } });
    const created = 1767225600;
    send(200, {
      value: secret.value,
      id: `${url}/secrets/${name}/${secret.version}`,
      attributes: { enabled: true, created, updated: created, recoveryLevel: 'Recoverable+Purgeable', recoverableDays: 90 },
      tags: {},
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    certPem,
    set(name, value) {
      versions += 1;
      secrets.set(name, { value, version: versions.toString(16).padStart(32, '0') });
    },
    get down() {
      return state.down;
    },
    set down(value: boolean) {
      state.down = value;
    },
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

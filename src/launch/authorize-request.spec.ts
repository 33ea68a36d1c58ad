import { describe, expect, it } from 'vitest';
import { parseAuthorizeRequest } from './authorize-request.js';
import { OAuthError } from './oauth-error.js';

const BASE = 'https://facade.example.org/fhir';
const good = {
  response_type: 'code',
  client_id: 'app',
  redirect_uri: 'https://app.example.org/cb',
  scope: 'launch/patient patient/*.rs',
  state: 's',
  aud: BASE,
  code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
  code_challenge_method: 'S256',
};
const refused = (params: Record<string, unknown>) => {
  try {
    parseAuthorizeRequest(params, BASE);
  } catch (err) {
    return err as OAuthError;
  }
  throw new Error('accepted');
};

describe('parseAuthorizeRequest', () => {
  it('accepts a SMART authorization request with aud and an S256 challenge', () => {
    expect(parseAuthorizeRequest(good, BASE)).toMatchObject({ clientId: 'app', codeChallenge: good.code_challenge });
    expect(parseAuthorizeRequest({ ...good, aud: `${BASE}/` }, BASE).clientId).toBe('app');
  });

  it.each([
    ['another aud', { aud: 'https://evil.example.org/fhir' }],
    ['no aud', { aud: undefined }],
    ['plain PKCE', { code_challenge_method: 'plain' }],
    ['no challenge method', { code_challenge_method: undefined }],
    ['no challenge', { code_challenge: undefined }],
    ['a short challenge', { code_challenge: 'abc' }],
    ['no client', { client_id: undefined }],
    ['a relative redirect_uri', { redirect_uri: '/cb' }],
    ['a repeated parameter', { scope: ['a', 'b'] }],
  ])('refuses %s', (_name, change) => {
    expect(refused({ ...good, ...change }).error).toBe('invalid_request');
  });

  it('refuses response types other than code', () => {
    expect(refused({ ...good, response_type: 'token' }).error).toBe('unsupported_response_type');
  });
});

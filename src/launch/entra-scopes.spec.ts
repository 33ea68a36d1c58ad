import { describe, expect, it } from 'vitest';
import { fromEntraScopes, toEntraScope, toEntraScopes } from './entra-scopes.js';

const AUD = 'https://fhir-facade.example.org';

describe('SMART <-> Entra scope conversion', () => {
  it('prefixes resource scopes with the application ID URI and replaces the context slash with a dot', () => {
    expect(toEntraScope('patient/Observation.rs', AUD)).toBe(`${AUD}/patient.Observation.rs`);
    expect(toEntraScope('user/Patient.read', AUD)).toBe(`${AUD}/user.Patient.read`);
  });

  it('turns * into all', () => {
    expect(toEntraScope('patient/*.rs', AUD)).toBe(`${AUD}/patient.all.rs`);
    expect(toEntraScope('system/*.*', AUD)).toBe(`${AUD}/system.all.all`);
  });

  it('encodes a slash inside a granular query as %2f', () => {
    expect(toEntraScope('patient/Observation.rs?category=http://terminology.hl7.org/CodeSystem/observation-category|laboratory', AUD)).toBe(
      `${AUD}/patient.Observation.rs?category=http:%2f%2fterminology.hl7.org%2fCodeSystem%2fobservation-category|laboratory`,
    );
  });

  it('leaves OpenID scopes alone and prefixes SMART identity and launch scopes', () => {
    expect(toEntraScopes('openid offline_access fhirUser launch launch/patient', AUD)).toBe(
      `openid offline_access ${AUD}/fhirUser ${AUD}/launch ${AUD}/launch.patient`,
    );
  });

  it('round-trips every scope back to SMART form in the token response', () => {
    const smart = 'openid fhirUser launch/patient patient/*.rs user/Observation.rs?category=http://x.org/cs|vital-signs offline_access';
    expect(fromEntraScopes(toEntraScopes(smart, AUD), AUD)).toBe(smart);
  });

  it('drops scopes of other resources (e.g. Microsoft Graph) from the token response', () => {
    expect(fromEntraScopes(`https://graph.microsoft.com/User.Read ${AUD}/patient.all.rs`, AUD)).toBe('patient/*.rs');
  });
});

import { describe, expect, it } from 'vitest';
import type { Principal } from '../auth/principal.js';
import { MaskingEngine } from './masking.engine.js';
import { loadMaskingPolicy } from './masking-policy.loader.js';

const SSN = 'http://hl7.org/fhir/sid/us-ssn';
const engine = new MaskingEngine(loadMaskingPolicy(), () => Buffer.from('k'));
const who = (kind: Principal['kind'], clientId: string, roles: string[] = []): Principal => ({
  issuer: 'i', subject: 's', clientId, kind, scopes: [], roles, expiresAt: 0,
});
const patientCaller = who('patient', 'patient-portal');
const appCaller = who('practitioner', 'third-party-app');
const FORMATS = ['123-45-6789', '123456789', '123 45 6789'];
const leaks = (body: unknown) => FORMATS.filter((f) => JSON.stringify(body).includes(f));

const patient = (id: string, ssn: string) => ({
  resourceType: 'Patient',
  id,
  identifier: [{ system: SSN, value: ssn }],
});

/** A resource whose free text carries the SSN in all three formats, in each place SSNs hide. */
const chatty = () => ({
  resourceType: 'Observation',
  status: 'final',
  text: { status: 'generated', div: '<div xmlns="http://www.w3.org/1999/xhtml"><p>SSN: 123-45-6789</p></div>' },
  note: [{ text: 'Patient stated SSN 123456789 at intake' }, { text: 'confirmed (123 45 6789).' }],
  valueAttachment: { contentType: 'application/pdf', title: 'SS card 123-45-6789.pdf' },
  extension: [{ url: 'http://example.org/free-comment', valueString: 'ssn=123 45 6789' }],
  code: { text: 'note' },
});

describe('masking every response shape (default policy)', () => {
  it('scrubs narrative, notes, attachment titles and string extensions in all three formats', () => {
    const bundle = { resourceType: 'Bundle', type: 'searchset', entry: [{ resource: patient('p', '123-45-6789') }, { resource: chatty() }] };
    const { body, ssnsMasked } = engine.mask(bundle, patientCaller);
    const obs = body.entry[1]!.resource as ReturnType<typeof chatty>;
    expect(obs.text.div).toBe('<div xmlns="http://www.w3.org/1999/xhtml"><p>SSN: ***-**-6789</p></div>');
    expect(obs.note.map((n) => n.text)).toEqual(['Patient stated SSN ***-**-6789 at intake', 'confirmed (***-**-6789).']);
    expect(obs.valueAttachment.title).toBe('SS card ***-**-6789.pdf');
    expect(obs.extension[0]!.valueString).toBe('ssn=***-**-6789');
    expect(leaks(body)).toEqual([]);
    expect(ssnsMasked).toBe(6);
  });

  it('uses [REDACTED] in free text for a caller whose SSN identifiers are removed', () => {
    const { body } = engine.mask({ resourceType: 'Bundle', entry: [{ resource: patient('p', '123456789') }, { resource: chatty() }] }, appCaller);
    const obs = body.entry[1]!.resource as ReturnType<typeof chatty>;
    expect(obs.note[0]!.text).toBe('Patient stated SSN [REDACTED] at intake');
    expect(JSON.stringify(body)).not.toContain('6789');
  });

  it('finds the generic ddd-dd-dddd pattern even when no identifier of the response carries it', () => {
    const { body } = engine.mask({ resourceType: 'Observation', note: [{ text: 'old SSN 555-12-3456 on file' }] }, patientCaller);
    expect(body.note[0]!.text).toBe('old SSN ***-**-3456 on file');
  });

  it('masks contained resources, and scrubs the container of SSNs the contained resource carries', () => {
    const report = {
      resourceType: 'DiagnosticReport',
      contained: [patient('c1', '123-45-6789')],
      conclusion: 'Subject 123456789 reviewed',
    };
    const { body } = engine.mask(report, patientCaller);
    expect(body.contained[0]!.identifier[0]!.value).toBe('***-**-6789');
    expect(body.conclusion).toBe('Subject ***-**-6789 reviewed');
    expect(engine.mask(structuredClone({ ...report, conclusion: 'x' }), appCaller).body.contained[0]).not.toHaveProperty('identifier');
  });

  it('masks nested bundles: a transaction-response entry holding a searchset, and $everything', () => {
    const outer = () => ({
      resourceType: 'Bundle',
      type: 'batch-response',
      entry: [{ resource: inner(), response: { status: '200 OK' } }, { resource: patient('p2', '987-65-4321'), response: { status: '201 Created' } }],
    });
    const inner = () => ({ resourceType: 'Bundle', type: 'searchset', entry: [{ resource: patient('p1', '123-45-6789') }, { resource: chatty() }] });
    const { body } = engine.mask(outer(), appCaller);
    const text = JSON.stringify(body);
    expect(text).not.toMatch(/6789|4321/);
    expect(text).not.toContain(SSN);
    const masked = engine.mask(outer(), patientCaller).body;
    expect(JSON.stringify(masked)).toContain('***-**-4321');
    expect(leaks(masked)).toEqual([]);
  });

  it('masks every version in a history bundle', () => {
    const history = {
      resourceType: 'Bundle',
      type: 'history',
      entry: [1, 2, 3].map((v) => ({ resource: { ...patient('p', '123-45-6789'), meta: { versionId: String(v) } }, request: { method: 'PUT', url: 'Patient/p' } })),
    };
    const { body } = engine.mask(history, patientCaller);
    expect(body.entry.map((e) => e.resource.identifier[0]!.value)).toEqual(['***-**-6789', '***-**-6789', '***-**-6789']);
  });

  it('scrubs OperationOutcome diagnostics and details that echo input (dashed and spaced patterns)', () => {
    const outcome = {
      resourceType: 'OperationOutcome',
      issue: [{ severity: 'error', code: 'invalid', diagnostics: 'Duplicate identifier 123-45-6789', details: { text: 'value 123 45 6789 rejected' } }],
    };
    const { body } = engine.mask(outcome, appCaller);
    expect(body.issue[0]!.diagnostics).toBe('Duplicate identifier [REDACTED]');
    expect(body.issue[0]!.details.text).toBe('value [REDACTED] rejected');
  });

  it('handles _summary / _elements resources with missing elements and odd values', () => {
    const sparse = [
      { resourceType: 'Patient', id: 'p', meta: { tag: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ObservationValue', code: 'SUBSETTED' }] } },
      { resourceType: 'Patient', identifier: [{ system: SSN }, { type: { coding: [null] } }, null], name: [] },
      { resourceType: 'Bundle', type: 'searchset', total: 3 },
      { resourceType: 'Bundle', entry: [{ search: { mode: 'match' } }, null] },
    ];
    for (const resource of sparse) {
      expect(() => engine.mask(structuredClone(resource), patientCaller)).not.toThrow();
      expect(() => engine.mask(structuredClone(resource), appCaller)).not.toThrow();
    }
    expect(engine.mask(null, patientCaller).body).toBeNull();
  });

  it('masks the body of a create/update answered with Prefer: return=representation like any read', () => {
    const { body } = engine.mask({ ...patient('new', '123-45-6789'), meta: { versionId: '1' } }, who('practitioner', 'provider-dashboard'));
    expect(body.identifier[0]!.value).toBe('***-**-6789');
  });
});

import { describe, expect, it } from 'vitest';
import { isWrite, requiredPermission, type InteractionKind } from './fhir-interaction.js';
import { interactionFromRequest } from './fhir-interaction.parser.js';

describe('interactionFromRequest', () => {
  it.each([
    ['GET', 'metadata', { interaction: 'capabilities' }],
    ['GET', 'Observation/o1', { interaction: 'read', resourceType: 'Observation', id: 'o1' }],
    ['GET', 'Observation/o1/_history/3', { interaction: 'vread', resourceType: 'Observation', id: 'o1', versionId: '3' }],
    ['GET', 'Observation/o1/_history', { interaction: 'history-instance', resourceType: 'Observation', id: 'o1' }],
    ['GET', 'Observation/_history', { interaction: 'history-type', resourceType: 'Observation' }],
    ['GET', '_history', { interaction: 'history-system' }],
    ['GET', 'Observation?code=a&code=b', { interaction: 'search-type', resourceType: 'Observation', params: { code: ['a', 'b'] } }],
    ['POST', 'Observation/_search', { interaction: 'search-type', resourceType: 'Observation' }],
    ['GET', '?_type=Patient', { interaction: 'search-system', params: { _type: ['Patient'] } }],
    ['GET', 'Patient/p1/Observation', { interaction: 'search-compartment', resourceType: 'Observation', compartment: { resourceType: 'Patient', id: 'p1' } }],
    ['POST', 'Observation', { interaction: 'create', resourceType: 'Observation' }],
    ['PUT', 'Observation/o1', { interaction: 'update', resourceType: 'Observation', id: 'o1' }],
    ['PUT', 'Observation?identifier=x', { interaction: 'update', resourceType: 'Observation', params: { identifier: ['x'] } }],
    ['PATCH', 'Observation/o1', { interaction: 'patch', resourceType: 'Observation', id: 'o1' }],
    ['DELETE', 'Observation/o1', { interaction: 'delete', resourceType: 'Observation', id: 'o1' }],
    ['GET', 'Patient/p1/$everything', { interaction: 'operation', resourceType: 'Patient', id: 'p1', operation: { name: '$everything', level: 'instance' } }],
    ['POST', 'Observation/$validate', { interaction: 'operation', resourceType: 'Observation', operation: { name: '$validate', level: 'type' } }],
    ['GET', 'https://fhir.example.org/fhir/Observation/o1', { interaction: 'read', resourceType: 'Observation', id: 'o1' }],
    ['GET', 'Observation?subject=Patient%2Fp1', { interaction: 'search-type', params: { subject: ['Patient/p1'] } }],
  ])('%s %s', (method, url, expected) => {
    expect(interactionFromRequest(method, url)).toMatchObject(expected);
  });

  it('recognises batch and transaction by the Bundle type', () => {
    expect(interactionFromRequest('POST', '', { resourceType: 'Bundle', type: 'batch' })?.interaction).toBe('batch');
    expect(interactionFromRequest('POST', '/', { resourceType: 'Bundle', type: 'transaction' })?.interaction).toBe('transaction');
    expect(interactionFromRequest('POST', '', { resourceType: 'Bundle', type: 'collection' })).toBeUndefined();
  });

  it.each([
    ['GET', 'Foo/1'],
    ['GET', 'Observation/o1/Bar'],
    ['DELETE', 'Observation'],
    ['GET', 'Observation?x=%E0%A4%A'],
    ['GET', 'https://x/nothing/here'],
  ])('%s %s is not a FHIR interaction', (method, url) => {
    expect(interactionFromRequest(method, url)).toBeUndefined();
  });
});

describe('SMART letters per interaction', () => {
  it.each<[InteractionKind, string | undefined]>([
    ['read', 'r'],
    ['vread', 'r'],
    ['history-instance', 'r'],
    ['search-type', 's'],
    ['search-system', 's'],
    ['search-compartment', 's'],
    ['history-type', 's'],
    ['history-system', 's'],
    ['create', 'c'],
    ['update', 'u'],
    ['patch', 'u'],
    ['delete', 'd'],
    ['batch', undefined],
    ['transaction', undefined],
    ['operation', undefined],
    ['capabilities', undefined],
  ])('%s needs %s', (kind, letter) => {
    expect(requiredPermission(kind)).toBe(letter);
  });

  it('only create, update, patch and delete are writes', () => {
    expect(['create', 'update', 'patch', 'delete', 'read', 'search-type'].map((k) => isWrite(k as InteractionKind))).toEqual([true, true, true, true, false, false]);
  });
});

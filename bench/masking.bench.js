// PHI masking benchmark: MB/s of FHIR JSON masked by the default policy.
//
//   npm run build && node_modules/.bin/node bench/masking.bench.js
//
// Plain JavaScript against the compiled dist/ (Node 24's type stripping cannot follow the project's
// `.js`-suffixed imports of .ts sources). Synthetic data only (deterministic generator, no real PHI).
// Writes bench/masking-results.json. Target: >= 50 MB/s.
import { writeFileSync } from 'node:fs';
import { MaskingEngine, loadMaskingPolicy } from '../dist/src/masking/index.js';

const SSN = 'http://hl7.org/fhir/sid/us-ssn';
const V2 = 'http://terminology.hl7.org/CodeSystem/v2-0203';
const XHTML = 'http://www.w3.org/1999/xhtml';
let seed = 20261122;
const rand = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
const digits = (n) => Array.from({ length: n }, () => Math.floor(rand() * 10)).join('');
const ssnOf = () => `${digits(3)}-${digits(2)}-${digits(4)}`;
const pick = (list) => list[Math.floor(rand() * list.length)];

/** A Synthea-shaped Patient: identifiers (MR, SS, DL, PPN), US Core extensions, narrative with the SSN. */
function patient(i) {
  const ssn = ssnOf();
  const family = pick(['Roe', 'Doe', 'Smith', 'Garcia', 'Nguyen', 'Okafor']);
  const given = pick(['Jane', 'John', 'Ana', 'Li', 'Sam']);
  return {
    resourceType: 'Patient',
    id: `pat-${i}`,
    meta: { versionId: '1', lastUpdated: '2026-01-01T00:00:00Z', profile: ['http://hl7.org/fhir/us/core/StructureDefinition/us-core-patient'] },
    text: {
      status: 'generated',
      div: `<div xmlns="${XHTML}"><p>${given} ${family}, born 1970-01-0${(i % 9) + 1}. SSN ${ssn.replaceAll('-', i % 2 ? '-' : '')}. MRN ${i}.</p></div>`,
    },
    extension: [
      { url: 'http://hl7.org/fhir/us/core/StructureDefinition/us-core-race', extension: [
        { url: 'ombCategory', valueCoding: { system: 'urn:oid:2.16.840.1.113883.6.238', code: '2106-3', display: 'White' } },
        { url: 'text', valueString: 'White' } ] },
      { url: 'http://hl7.org/fhir/us/core/StructureDefinition/us-core-ethnicity', extension: [
        { url: 'ombCategory', valueCoding: { system: 'urn:oid:2.16.840.1.113883.6.238', code: '2186-5', display: 'Not Hispanic or Latino' } },
        { url: 'text', valueString: 'Not Hispanic or Latino' } ] },
      { url: 'http://hl7.org/fhir/StructureDefinition/patient-mothersMaidenName', valueString: 'Maiden' },
      { url: 'http://hl7.org/fhir/us/core/StructureDefinition/us-core-birthsex', valueCode: 'F' },
      { url: 'http://hl7.org/fhir/StructureDefinition/patient-birthPlace', valueAddress: { city: 'Boston', state: 'MA', country: 'US' } },
      { url: 'http://synthetichealth.github.io/synthea/disability-adjusted-life-years', valueDecimal: 0.5 },
    ],
    identifier: [
      { system: 'https://github.com/synthetichealth/synthea', value: `9c1f-${i}-${digits(4)}` },
      { type: { coding: [{ system: V2, code: 'MR', display: 'Medical Record Number' }], text: 'Medical Record Number' }, system: 'http://hospital.smarthealthit.org', value: `MRN-${i}` },
      { type: { coding: [{ system: V2, code: 'SB', display: 'Social Security number' }], text: 'Social Security number' }, system: SSN, value: ssn },
      { type: { coding: [{ system: V2, code: 'DL', display: "Driver's License" }], text: "Driver's License" }, system: 'urn:oid:2.16.840.1.113883.4.3.25', value: `S999${digits(5)}` },
      { type: { coding: [{ system: V2, code: 'PPN', display: 'Passport Number' }], text: 'Passport Number' }, system: 'http://standardhealthrecord.org/fhir/StructureDefinition/passportNumber', value: `X${digits(8)}X` },
    ],
    name: [{ use: 'official', family, given: [given], prefix: ['Ms.'] }],
    telecom: [{ system: 'phone', value: `555-${digits(3)}-${digits(4)}`, use: 'home' }],
    gender: 'female',
    birthDate: '1970-01-01',
    address: [{
      extension: [{ url: 'http://hl7.org/fhir/StructureDefinition/geolocation', extension: [
        { url: 'latitude', valueDecimal: 42.36 }, { url: 'longitude', valueDecimal: -71.05 } ] }],
      line: [`${i} Main Street`], city: 'Boston', state: 'MA', postalCode: '02101', country: 'US',
    }],
    maritalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-MaritalStatus', code: 'M', display: 'Married' }], text: 'Married' },
    multipleBirthBoolean: false,
    communication: [{ language: { coding: [{ system: 'urn:ietf:bcp:47', code: 'en-US', display: 'English' }], text: 'English' } }],
  };
}

/** A vital-signs Observation whose subject is also identified by SSN and whose narrative and note echo it. */
function observation(i, owner) {
  const ssn = owner.identifier[2].value;
  return {
    resourceType: 'Observation',
    id: `obs-${i}`,
    meta: { versionId: '1', lastUpdated: '2026-01-01T00:00:00Z', profile: ['http://hl7.org/fhir/StructureDefinition/vitalsigns'] },
    text: { status: 'generated', div: `<div xmlns="${XHTML}"><p>Heart rate for ${owner.name[0].family} (SSN ${ssn}): ${60 + (i % 40)} /min</p></div>` },
    status: 'final',
    category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs', display: 'Vital Signs' }] }],
    code: { coding: [{ system: 'http://loinc.org', code: '8867-4', display: 'Heart rate' }], text: 'Heart rate' },
    subject: { reference: `Patient/${owner.id}`, display: `${owner.name[0].given[0]} ${owner.name[0].family}`, identifier: { system: SSN, value: ssn } },
    encounter: { reference: `Encounter/enc-${i % 7}` },
    effectiveDateTime: '2026-01-01T10:00:00Z',
    issued: '2026-01-01T10:05:00.000Z',
    performer: [{ reference: 'Practitioner/prac-1', display: 'Dr. Who' }],
    valueQuantity: { value: 60 + (i % 40), unit: '/min', system: 'http://unitsofmeasure.org', code: '/min' },
    note: [{ text: i % 3 ? 'Resting, seated.' : `Verified identity with SSN ${ssn.replaceAll('-', ' ')}.` }],
  };
}

const searchset = (resources) => ({
  resourceType: 'Bundle',
  type: 'searchset',
  total: resources.length,
  link: [{ relation: 'self', url: 'https://facade.example/fhir/Observation?_count=100' }],
  entry: resources.map((resource) => ({ fullUrl: `https://facade.example/fhir/${resource.resourceType}/${resource.id}`, resource, search: { mode: 'match' } })),
});

const owners = Array.from({ length: 10 }, (_, i) => patient(1000 + i));
const workloads = {
  'observation-bundle-100': JSON.stringify(searchset(Array.from({ length: 100 }, (_, i) => observation(i, owners[i % owners.length])))),
  'patient-bundle-50': JSON.stringify(searchset(Array.from({ length: 50 }, (_, i) => patient(i)))),
};

const base = { issuer: 'bench', subject: 'bench', scopes: [], roles: [], expiresAt: 0 };
const callers = {
  patient: { ...base, kind: 'patient', clientId: 'patient-portal' },
  practitioner: { ...base, kind: 'practitioner', clientId: 'provider-dashboard' },
  'third-party-app': { ...base, kind: 'practitioner', clientId: 'smart-app' },
  'ssn-read': { ...base, kind: 'practitioner', clientId: 'provider-dashboard', roles: ['ssn-read'] },
};

const engine = new MaskingEngine(loadMaskingPolicy(), () => Buffer.from('bench-hmac-key'));

/** Masks pre-parsed copies (parsing is the HTTP layer's cost, reported separately) until ~1 s has passed. */
function measure(json, principal) {
  const batch = 50;
  for (let i = 0; i < 200; i++) engine.mask(JSON.parse(json), principal); // warm-up (JIT)
  let elapsed = 0;
  let runs = 0;
  while (elapsed < 1000) {
    const bodies = Array.from({ length: batch }, () => JSON.parse(json));
    const start = performance.now();
    for (const body of bodies) engine.mask(body, principal);
    elapsed += performance.now() - start;
    runs += batch;
  }
  const msPerBody = elapsed / runs;
  return { mbPerSecond: +((json.length * runs) / (elapsed / 1000) / 1e6).toFixed(1), msPerBody: +msPerBody.toFixed(3) };
}

function parseCost(json) {
  const start = performance.now();
  for (let i = 0; i < 300; i++) JSON.parse(json);
  return +((json.length * 300) / ((performance.now() - start) / 1000) / 1e6).toFixed(1);
}

const results = { node: process.version, date: new Date().toISOString(), targetMBs: 50, workloads: {} };
for (const [name, json] of Object.entries(workloads)) {
  const entry = { bytes: json.length, jsonParseMBs: parseCost(json), callers: {} };
  for (const [callerName, principal] of Object.entries(callers)) entry.callers[callerName] = measure(json, principal);
  results.workloads[name] = entry;
  for (const [callerName, r] of Object.entries(entry.callers)) {
    console.log(`${name.padEnd(24)} ${callerName.padEnd(16)} ${String(r.mbPerSecond).padStart(7)} MB/s  ${r.msPerBody} ms/bundle  (${(json.length / 1024).toFixed(0)} KiB)`);
  }
}
const minimum = Math.min(...Object.values(results.workloads).flatMap((w) => Object.values(w.callers).map((c) => c.mbPerSecond)));
results.minimumMBs = minimum;
results.meetsTarget = minimum >= results.targetMBs;
writeFileSync(new URL('./masking-results.json', import.meta.url), `${JSON.stringify(results, null, 2)}\n`);
console.log(`minimum ${minimum} MB/s (target ${results.targetMBs}): ${results.meetsTarget ? 'met' : 'NOT met'}`);

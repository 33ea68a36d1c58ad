/**
 * Synthetic Patient resources: identity (SSN, MRN), demographics and the narrative an EHR export carries.
 *
 * @see https://hl7.org/fhir/R4/patient.html
 * @see https://hl7.org/fhir/R4/narrative.html
 */
import type { Patient } from '@medplum/fhirtypes';
import { CITIES, FAMILY_NAMES, GIVEN_NAMES, STREETS, SYNTHETIC_TAG, SYSTEMS } from './synthetic-data.catalog.js';
import type { SeededRandom } from './synthetic-data.prng.js';
import { ORGANIZATION_ID, mrnOf, panelOf, patientId } from './synthetic-data.staff.js';

/** The parts of a patient the rest of the generator and the tests need. */
export interface PatientIdentity {
  readonly n: number;
  readonly id: string;
  readonly given: string;
  readonly family: string;
  readonly gender: 'female' | 'male';
  readonly birthDate: string;
  /** 9 digits, no dashes. */
  readonly ssn: string;
  readonly mrn: string;
}

/** `123456789` -> `123-45-6789`. */
export const formatSsn = (ssn: string): string => `${ssn.slice(0, 3)}-${ssn.slice(3, 5)}-${ssn.slice(5)}`;

/**
 * Draws an SSN that follows the SSA's shape rules, so that a masking engine that validates SSNs still
 * recognises it: area 100-665 or 667-899 (never 000, 666 or 9xx), group 01-99, serial 0001-9999.
 * The numbers come from the seeded generator and belong to no one.
 *
 * @see https://www.ssa.gov/employer/randomization.html
 */
export function drawSsn(rng: SeededRandom, taken: Set<string>): string {
  for (;;) {
    let area = rng.int(100, 898);
    if (area >= 666) area += 1; // skip 666
    const group = rng.int(1, 99);
    const serial = rng.int(1, 9999);
    const ssn = `${area}${String(group).padStart(2, '0')}${String(serial).padStart(4, '0')}`;
    if (!taken.has(ssn)) {
      taken.add(ssn);
      return ssn;
    }
  }
}

/** Draws a unique name, gender and birth date for patient number `n`. */
export function drawIdentity(n: number, rng: SeededRandom, ssns: Set<string>, names: Set<string>): PatientIdentity {
  const gender = rng.chance(0.5) ? 'female' : 'male';
  let given: string;
  let family: string;
  do {
    given = rng.pick(GIVEN_NAMES[gender]);
    family = rng.pick(FAMILY_NAMES);
  } while (names.has(`${given} ${family}`));
  names.add(`${given} ${family}`);
  const year = rng.int(1942, 2012);
  const month = rng.int(1, 12);
  const day = rng.int(1, 28);
  const birthDate = `${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
  return { n, id: patientId(n), given, family, gender, birthDate, ssn: drawSsn(rng, ssns), mrn: mrnOf(n) };
}

const escapeXml = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** Builds the Patient resource for an identity. */
export function buildPatient(who: PatientIdentity, rng: SeededRandom): Patient {
  const place = rng.pick(CITIES);
  const line = `${rng.int(10, 989)} ${rng.pick(STREETS)}`;
  // 555-0100 … 555-0199 is the range reserved for fictional use in North America.
  const phone = `+1-413-555-01${String(who.n).padStart(2, '0')}`;
  const email = `${who.given}.${who.family}@example.com`.toLowerCase();
  const ssnShown = formatSsn(who.ssn);
  const gp = panelOf(who.n)?.generalPractitioner;
  const div =
    '<div xmlns="http://www.w3.org/1999/xhtml">' +
    `<p><b>${escapeXml(who.given)} ${escapeXml(who.family.toUpperCase())}</b> ` +
    `(${who.gender === 'female' ? 'F' : 'M'}), born ${who.birthDate}</p>` +
    '<table><tbody>' +
    `<tr><td>MRN</td><td>${who.mrn}</td></tr>` +
    `<tr><td>SSN</td><td>${ssnShown}</td></tr>` +
    `<tr><td>Address</td><td>${escapeXml(line)}, ${place.city}, MA ${place.postalCode}</td></tr>` +
    `<tr><td>Phone</td><td>${phone}</td></tr>` +
    '</tbody></table></div>';

  return {
    resourceType: 'Patient',
    id: who.id,
    meta: { tag: [{ ...SYNTHETIC_TAG }] },
    text: { status: 'generated', div },
    identifier: [
      {
        use: 'usual',
        type: { coding: [{ system: SYSTEMS.identifierType, code: 'MR', display: 'Medical record number' }] },
        system: SYSTEMS.mrn,
        value: who.mrn,
        assigner: { reference: `Organization/${ORGANIZATION_ID}` },
      },
      {
        use: 'official',
        type: { coding: [{ system: SYSTEMS.identifierType, code: 'SS', display: 'Social Security number' }] },
        system: SYSTEMS.ssn,
        value: who.ssn,
      },
    ],
    active: true,
    name: [{ use: 'official', family: who.family, given: [who.given] }],
    telecom: [
      { system: 'phone', value: phone, use: 'home' },
      { system: 'email', value: email },
    ],
    gender: who.gender,
    birthDate: who.birthDate,
    address: [{ use: 'home', line: [line], city: place.city, state: 'MA', postalCode: place.postalCode, country: 'US' }],
    ...(gp ? { generalPractitioner: [{ reference: `Practitioner/${gp}` }] } : {}),
    managingOrganization: { reference: `Organization/${ORGANIZATION_ID}` },
  };
}

/**
 * A search query in the EMR's terms: patient references become the EMR's patient id through the cross-walk
 * (`patient=pat-001` -> `patient=eXYZ`, `subject=Patient/pat-001` -> `subject=Patient/eXYZ`), qualified ids
 * of this EMR lose their qualifier. A reference the EMR cannot know (a patient that does not map, another
 * server's resource) means the EMR has nothing to add: it is skipped, never asked with an untranslated id
 * (which could be another patient's id there).
 *
 * @see https://hl7.org/fhir/R4/search.html#reference
 */
import { getSearchParameter } from '@medplum/core';
import type { PatientCrosswalk } from '../emr/patient-crosswalk.js';
import type { SearchSkip } from '../emr/emr-adapter.js';
import { ensureSearchParameters } from '../../smart/fhir-definitions.js';
import { parseQualifiedId } from './source-tag.js';

const TYPED = /^(?:.*\/)?([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})$/;

export async function toEmrQuery(
  resourceType: string,
  params: URLSearchParams,
  emr: string,
  crosswalk: PatientCrosswalk,
): Promise<URLSearchParams | SearchSkip> {
  ensureSearchParameters();
  const out = new URLSearchParams();
  const own = (id: string) => parseQualifiedId(id, [emr])?.id;
  for (const [key, raw] of params) {
    const [code, modifier] = key.split(':') as [string, string | undefined];
    if (key.includes('.') || (code.startsWith('_') && code !== '_id')) {
      out.append(key, raw); // chained parameters, _count, _include, _sort ...: no ids of ours in them
      continue;
    }
    const def = code === '_id' ? undefined : getSearchParameter(resourceType, code);
    if (code !== '_id' && def?.type !== 'reference') {
      out.append(key, raw);
      continue;
    }
    const targets = modifier && /^[A-Z]/.test(modifier) ? [modifier] : code === '_id' ? [resourceType] : (def?.target ?? []);
    const values: string[] = [];
    for (const value of raw.split(',')) {
      const translated = await translateValue(value, targets, own, crosswalk, code === '_id');
      if (translated !== undefined) values.push(translated);
    }
    if (!values.length) return { skip: 'not-mapped' };
    out.append(key, values.join(','));
  }
  return out;
}

async function translateValue(
  value: string,
  targets: readonly string[],
  own: (id: string) => string | undefined,
  crosswalk: PatientCrosswalk,
  isId: boolean,
): Promise<string | undefined> {
  if (isId) return own(value);
  const typed = TYPED.exec(value);
  if (typed) {
    const [, type, id] = typed;
    if (type === 'Patient') {
      const emrId = await crosswalk.toEmr(id!);
      return emrId === undefined ? undefined : `Patient/${emrId}`;
    }
    const mine = own(id!);
    return mine === undefined ? undefined : `${type}/${mine}`;
  }
  if (value.includes('/') || value.includes(':')) return undefined; // a URL or canonical we cannot translate
  const mine = own(value);
  if (mine !== undefined) return mine;
  return targets.includes('Patient') ? crosswalk.toEmr(value) : undefined;
}

/**
 * Patient identity cross-walk between the facade (whose patient ids are the primary FHIR server's) and one
 * EMR, through the MRN: the facade patient's MRN (primary MRN system) is looked up in the EMR with
 * `Patient?identifier=<EMR MRN system>|<MRN>`, and back. A mapping is accepted only when exactly one patient
 * matches and actually carries that MRN; anything else maps to nothing (the caller then shows nothing). Both
 * directions are cached for `ttlMs` (misses for at most a minute).
 *
 * @see https://hl7.org/fhir/R4/search.html#token
 * @see https://hl7.org/fhir/R4/patient.html#links (why not `Patient.link`: EMRs do not carry each other's ids)
 */
import type { Bundle, Identifier, Patient } from '@medplum/fhirtypes';
import { OperationOutcomeError } from '../../fhir/outcomes.js';
import type { FhirBackend } from '../fhir-backend.js';

interface Cached {
  readonly value: string | undefined;
  readonly until: number;
}

const MISS_TTL_MS = 60_000;
const MAX_ENTRIES = 50_000;

export interface CrosswalkSide {
  readonly backend: FhirBackend;
  readonly mrnSystem: string;
}

export class PatientCrosswalk {
  private readonly toEmrCache = new Map<string, Cached>();
  private readonly toFacadeCache = new Map<string, Cached>();
  private readonly inflight = new Map<string, Promise<string | undefined>>();

  constructor(
    private readonly facade: CrosswalkSide,
    private readonly emr: CrosswalkSide,
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** The EMR's id for a facade patient id, or undefined when the EMR has no (single) such patient. */
  toEmr(facadeId: string): Promise<string | undefined> {
    return this.resolve('e', facadeId, this.toEmrCache, () => this.lookup(this.facade, this.emr, facadeId));
  }

  /** The facade's id for an EMR patient id, or undefined. */
  toFacade(emrId: string): Promise<string | undefined> {
    return this.resolve('f', emrId, this.toFacadeCache, () => this.lookup(this.emr, this.facade, emrId));
  }

  private async resolve(dir: string, id: string, cache: Map<string, Cached>, load: () => Promise<string | undefined>): Promise<string | undefined> {
    const hit = cache.get(id);
    if (hit && hit.until > this.now()) return hit.value;
    const key = `${dir}:${id}`;
    let pending = this.inflight.get(key);
    if (!pending) {
      pending = load().finally(() => this.inflight.delete(key));
      this.inflight.set(key, pending);
    }
    const value = await pending;
    this.remember(dir === 'e' ? id : value, dir === 'e' ? value : id);
    if (value === undefined) cache.set(id, { value, until: this.now() + Math.min(this.ttlMs, MISS_TTL_MS) });
    return value;
  }

  private remember(facadeId: string | undefined, emrId: string | undefined): void {
    if (facadeId === undefined || emrId === undefined) return;
    const until = this.now() + this.ttlMs;
    for (const cache of [this.toEmrCache, this.toFacadeCache]) if (cache.size >= MAX_ENTRIES) cache.clear();
    this.toEmrCache.set(facadeId, { value: emrId, until });
    this.toFacadeCache.set(emrId, { value: facadeId, until });
  }

  /** Reads the patient on `from`, takes its MRN, finds the one patient with that MRN on `to`. */
  private async lookup(from: CrosswalkSide, to: CrosswalkSide, id: string): Promise<string | undefined> {
    const patient = await readPatient(from.backend, id);
    const mrn = mrnOf(patient, from.mrnSystem);
    if (mrn === undefined) return undefined;
    const res = await to.backend.request({
      method: 'GET',
      path: 'Patient',
      query: new URLSearchParams({ identifier: `${to.mrnSystem}|${mrn}`, _count: '2' }).toString(),
    });
    const matches = ((res.body as Bundle | undefined)?.entry ?? [])
      .map((e) => e.resource)
      .filter((r): r is Patient => r?.resourceType === 'Patient' && typeof r.id === 'string' && mrnOf(r, to.mrnSystem) === mrn);
    return matches.length === 1 ? matches[0]!.id : undefined;
  }
}

async function readPatient(backend: FhirBackend, id: string): Promise<Patient | undefined> {
  if (!/^[A-Za-z0-9\-.]{1,64}$/.test(id)) return undefined;
  try {
    const res = await backend.request({ method: 'GET', path: `Patient/${id}` });
    const body = res.body as Patient | undefined;
    return body?.resourceType === 'Patient' && body.id === id ? body : undefined;
  } catch (err) {
    if (err instanceof OperationOutcomeError && (err.status === 404 || err.status === 410)) return undefined;
    throw err;
  }
}

/** The MRN under `system`, when the patient has exactly one distinct value for it. */
function mrnOf(patient: Patient | undefined, system: string): string | undefined {
  const values = new Set((patient?.identifier ?? []).filter((i: Identifier) => i.system === system && i.value).map((i) => i.value!));
  return values.size === 1 ? [...values][0] : undefined;
}

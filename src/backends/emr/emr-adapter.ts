/**
 * An EMR behind the facade: its FhirBackend (FhirHttpBackend, SMART Backend Services token, resilience) and
 * its quirks (base URL form, MRN identifier system, types it serves, search rules), which stay in here and in
 * the vendor files (`epic.adapter.ts`, `cerner.adapter.ts`) so the routing layer never special-cases a vendor.
 *
 * @see https://hl7.org/fhir/R4/http.html
 */
import type { EmrConfig, EmrName } from '../../config/index.js';
import type { FhirBackend } from '../fhir-backend.js';

export interface EmrQuirks {
  /** Human name for documentation. */
  readonly vendor: string;
  /** A problem with the configured base URL's form, or undefined. */
  checkBaseUrl(url: string): string | undefined;
  /** Resource types this EMR serves through the facade. */
  readonly supportedTypes: ReadonlySet<string>;
  /** Types whose searches this EMR refuses without a patient parameter. */
  readonly patientRequiredFor: ReadonlySet<string>;
  /** Largest `_count` the EMR accepts. */
  readonly maxCount: number;
}

/** Why an EMR does not take part in a search (no error: it simply has nothing to add). */
export type SearchSkip = { readonly skip: 'not-supported' | 'patient-required' | 'not-mapped' };

export class EmrAdapter {
  constructor(
    readonly config: EmrConfig,
    readonly backend: FhirBackend,
    readonly quirks: EmrQuirks,
  ) {}

  get name(): EmrName {
    return this.config.name;
  }

  get mrnSystem(): string {
    return this.config.mrnSystem;
  }

  supports(resourceType: string): boolean {
    return this.quirks.supportedTypes.has(resourceType);
  }

  /** Applies the EMR's search rules to an already translated query. */
  adaptSearch(resourceType: string, params: URLSearchParams): URLSearchParams | SearchSkip {
    if (!this.supports(resourceType)) return { skip: 'not-supported' };
    if (this.quirks.patientRequiredFor.has(resourceType) && !namesPatient(params)) return { skip: 'patient-required' };
    const out = new URLSearchParams(params);
    const count = Number.parseInt(out.get('_count') ?? '', 10);
    if (Number.isFinite(count) && count > this.quirks.maxCount) out.set('_count', String(this.quirks.maxCount));
    return out;
  }
}

/** A patient parameter (`patient=`, `_id=`) or a `Patient/<id>` value (`subject=`, `actor=`). */
function namesPatient(params: URLSearchParams): boolean {
  for (const [key, value] of params) {
    const code = key.split(':')[0];
    if (code === 'patient' || code === '_id' || key.endsWith(':Patient') || /(^|,)Patient\/[^,]+/.test(value)) return true;
  }
  return false;
}

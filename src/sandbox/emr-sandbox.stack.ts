/**
 * Both local EMR sandboxes, Epic-like and Cerner-like, with the facade registered at each as a SMART Backend
 * Services client (Epic: RS384, Cerner: ES384), and what the facade needs to reach them: the environment
 * (`EPIC_*`, `CERNER_*`, `FHIR_ROUTES`) and the secrets (client ids, private keys) for the secrets provider.
 */
import { EMR_SYSTEMS } from './emr-sandbox.data.js';
import { generateEmrClientKey, type EmrClientKey } from './emr-sandbox.keys.js';
import { startEmrSandbox, type EmrSandbox } from './emr-sandbox.server.js';

export const EMR_CLIENT_IDS = { epic: 'fhir-facade-epic', cerner: 'fhir-facade-cerner' } as const;

/** Appointment, Slot, Schedule from both EMRs; MedicationRequest from the primary and both EMRs. */
export const LOCAL_FHIR_ROUTES = [
  { types: ['Appointment', 'Slot', 'Schedule'], backends: ['epic', 'cerner'] },
  { types: ['MedicationRequest'], backends: ['ahds', 'epic', 'cerner'] },
];

export interface EmrSandboxes {
  readonly epic: EmrSandbox;
  readonly cerner: EmrSandbox;
  readonly keys: { readonly epic: EmrClientKey; readonly cerner: EmrClientKey };
  /** Environment for loadConfig. */
  readonly env: Record<string, string>;
  /** Secret name -> value, for the local secrets provider. */
  readonly secrets: Record<string, string>;
  close(): Promise<void>;
}

export async function startEmrSandboxes(options: { readonly epicPort?: number; readonly cernerPort?: number; readonly defaultCount?: number } = {}): Promise<EmrSandboxes> {
  const keys = { epic: await generateEmrClientKey('RS384'), cerner: await generateEmrClientKey('ES384') };
  const epic = await startEmrSandbox({
    kind: 'epic',
    port: options.epicPort ?? 0,
    defaultCount: options.defaultCount,
    clients: [{ clientId: EMR_CLIENT_IDS.epic, alg: 'RS384', publicJwks: [keys.epic.publicJwk] }],
  });
  const cerner = await startEmrSandbox({
    kind: 'cerner',
    port: options.cernerPort ?? 0,
    defaultCount: options.defaultCount,
    clients: [{ clientId: EMR_CLIENT_IDS.cerner, alg: 'ES384', publicJwks: [keys.cerner.publicJwk] }],
  });
  return {
    epic,
    cerner,
    keys,
    env: {
      EPIC_FHIR_BASE_URL: epic.fhirBaseUrl,
      EPIC_TOKEN_URL: epic.tokenUrl,
      EPIC_MRN_SYSTEM: EMR_SYSTEMS.epic.mrn,
      CERNER_FHIR_BASE_URL: cerner.fhirBaseUrl,
      CERNER_TOKEN_URL: cerner.tokenUrl,
      CERNER_MRN_SYSTEM: EMR_SYSTEMS.cerner.mrn,
      FHIR_ROUTES: JSON.stringify(LOCAL_FHIR_ROUTES),
    },
    secrets: {
      'epic-client-id': EMR_CLIENT_IDS.epic,
      'epic-private-key': keys.epic.privateJwkJson,
      'cerner-client-id': EMR_CLIENT_IDS.cerner,
      'cerner-private-key': keys.cerner.privateJwkJson,
    },
    async close() {
      await epic.close();
      await cerner.close();
    },
  };
}

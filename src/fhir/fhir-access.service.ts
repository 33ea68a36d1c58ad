/**
 * The one path every FHIR interaction takes, from any route (FHIR REST or BFF):
 * prepare (validate, load the stored version of a write) -> decide (SMART rules, default deny) ->
 * provider access / break-glass -> forward (narrowed) -> decide again on the way out (every returned
 * resource) -> mask -> record what was touched for the audit.
 *
 * @see https://hapifhir.io/hapi-fhir/docs/security/authorization_interceptor.html
 */
import { Inject, Injectable } from '@nestjs/common';
import type { Bundle, Resource } from '@medplum/fhirtypes';
import type { Principal } from '../auth/principal.js';
import { FHIR_BACKEND, type FhirBackend } from '../backends/index.js';
import { APP_CONFIG, type AppConfig } from '../config/index.js';
import { MASKING, type ResponseMasker } from '../masking/response-masker.js';
import {
  authorizeRequest,
  compartmentPatientIds,
  deniedBatchEntry,
  filterByProviderAccess,
  filterVisible,
  isWrite,
  passesProviderCheck,
  type AllowDecision,
  type AuthorizationConfig,
  type CompartmentMemo,
  type FhirInteraction,
} from '../smart/index.js';
import type { AccessRecord } from './access-record.js';
import { BreakGlassGrants } from './break-glass.grants.js';
import { FhirService, type ForwardOptions } from './fhir.service.js';
import { addOutcomeEntries, type FhirResult } from './fhir-result.js';
import { forbidden, notFound, OperationOutcomeError } from './outcomes.js';
import { FhirProviderAccessChecker } from './provider-access.checker.js';
import { WritePreparation, type WriteState } from './write-preparation.js';

export interface AccessContext {
  readonly principal: Principal;
  readonly record: AccessRecord;
  readonly forward?: ForwardOptions;
}

@Injectable()
export class FhirAccessService {
  private readonly checker: FhirProviderAccessChecker;
  private readonly writes: WritePreparation;
  private readonly breakGlass: BreakGlassGrants;
  private readonly authz: AuthorizationConfig;

  constructor(
    private readonly fhir: FhirService,
    @Inject(FHIR_BACKEND) backend: FhirBackend,
    @Inject(APP_CONFIG) config: AppConfig,
    @Inject(MASKING) private readonly masker: ResponseMasker,
  ) {
    this.authz = config.authorization;
    this.checker = new FhirProviderAccessChecker(backend, config.authorization.providerAccess);
    this.writes = new WritePreparation(backend);
    this.breakGlass = new BreakGlassGrants(config.breakGlassMinutes * 60_000);
  }

  async handle(interaction: FhirInteraction, ctx: AccessContext): Promise<FhirResult> {
    const { principal, record } = ctx;
    record.interaction = interaction;
    const batch = interaction.interaction === 'batch' || interaction.interaction === 'transaction';
    const prepared = batch ? undefined : await this.writes.prepare(interaction);
    const entryStates = batch ? await this.writes.prepareBundle(interaction) : undefined;
    const decided = authorizeRequest(principal, { ...interaction, ...prepared }, this.authz, { entryStates });
    record.rule = decided.rule;
    if (decided.verdict === 'deny') throw forbidden(decided.rule);
    const decision = await this.providerAccess(decided, principal, record);

    const body = this.unmaskWrite(interaction, prepared, principal);
    const outgoing: FhirInteraction = { ...interaction, body, params: decision.narrowing?.params ?? interaction.params };
    const result = await this.maskingErrors(principal, () => (batch ? this.forwardBatch(outgoing, decision, ctx) : this.fhir.execute(outgoing, ctx.forward)));

    // The returned resources are not modified until they are masked (below): their compartment membership is
    // evaluated once for the visibility filter, the provider policy and the audit's patient list.
    const compartments: CompartmentMemo = new WeakMap();
    if (result.body !== undefined) result.body = await this.outbound(result.body as Resource, principal, decision, interaction, compartments);
    if (result.body === null) {
      // A write the caller may not read back (e.g. `c` without `r`): the outcome status, no body.
      if (!isWrite(interaction.interaction)) throw notFound();
      result.body = undefined;
    }
    this.recordPatients(result.body as Resource | undefined, prepared?.before ?? undefined, record, compartments);
    if (decided.breakGlass && record.breakGlassReason) {
      const key = principalKey(principal);
      for (const id of record.patients) this.breakGlass.grant(key, id, record.breakGlassReason);
    }
    if (result.body !== undefined) {
      const masked = this.masker.mask(result.body, principal);
      result.body = masked.body;
      if (masked.fullSsnDisclosed) record.fullSsnDisclosed = true;
    }
    addOutcomeEntries(result);
    return result;
  }

  /** An upstream OperationOutcome can echo the request (identifiers, names): it is masked like any body. */
  private async maskingErrors<T>(principal: Principal, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (err) {
      if (err instanceof OperationOutcomeError) this.masker.mask(err.outcome, principal);
      throw err;
    }
  }

  /** Writes never store a mask: masked values are put back from the stored version, or the write is refused. */
  private unmaskWrite(i: FhirInteraction, prepared: WriteState | undefined, principal: Principal): unknown {
    if (i.interaction === 'create' || i.interaction === 'update') {
      return this.masker.restore(i.body as object, prepared?.before ?? undefined, principal);
    }
    if (i.interaction === 'patch' && prepared?.after && prepared.before) this.masker.assertNoMask(prepared.after, prepared.before, principal);
    if (i.interaction === 'batch' || i.interaction === 'transaction') {
      for (const entry of (i.body as Bundle).entry ?? []) {
        if (entry.resource && (entry.request?.method === 'POST' || entry.request?.method === 'PUT')) {
          this.masker.assertNoMask(entry.resource, {}, principal);
        }
      }
    }
    return i.body;
  }

  /** Practitioners: the provider access policy, or an active break-glass grant. */
  private async providerAccess(decision: AllowDecision, principal: Principal, record: AccessRecord): Promise<AllowDecision> {
    const check = decision.providerCheck;
    const key = principalKey(principal);
    const patientIds = check && 'patientIds' in check ? check.patientIds : [];
    if (decision.breakGlass) {
      // The grant is recorded once the response shows which patients were opened (see handle).
      record.breakGlassReason = decision.breakGlass.reason;
      return decision;
    }
    if (await passesProviderCheck(principal, decision, this.checker)) return decision;
    const reason = this.breakGlass.activeReason(key, patientIds);
    if (reason === undefined) throw forbidden('provider-access-policy');
    record.breakGlassReason = reason;
    return { ...decision, breakGlass: { reason } };
  }

  /** Visibility of everything returned: compartment and scopes, then the provider policy. */
  private async outbound(body: Resource, principal: Principal, decision: AllowDecision, i: FhirInteraction, compartments: CompartmentMemo): Promise<Resource | null> {
    if (i.interaction === 'capabilities') return body;
    const visible = filterVisible(body, principal, decision, compartments);
    if (!visible) return null;
    return filterByProviderAccess(visible, principal, decision, this.checker, compartments);
  }

  /** A batch sends only its allowed entries upstream; denied ones are answered 403 in place. */
  private async forwardBatch(i: FhirInteraction, decision: AllowDecision, ctx: AccessContext): Promise<FhirResult> {
    const bundle = i.body as Bundle;
    const entries = bundle.entry ?? [];
    const verdicts = decision.entries ?? [];
    const allowedIdx = entries.map((_, n) => n).filter((n) => verdicts[n]?.verdict === 'allow');
    if (i.interaction === 'transaction' || allowedIdx.length === entries.length) return this.fhir.execute(i, ctx.forward);
    const partial = allowedIdx.length
      ? await this.fhir.execute({ ...i, body: { ...bundle, entry: allowedIdx.map((n) => entries[n]) } }, ctx.forward)
      : { status: 200, headers: {}, body: { resourceType: 'Bundle', type: 'batch-response', entry: [] } };
    const answered = (partial.body as Bundle).entry ?? [];
    const entry = entries.map((_, n) => {
      const v = verdicts[n];
      return v?.verdict === 'deny' ? deniedBatchEntry(v.rule) : (answered[allowedIdx.indexOf(n)] ?? deniedBatchEntry('bundle-entry-invalid'));
    });
    return { ...partial, body: { resourceType: 'Bundle', type: 'batch-response', entry } };
  }

  private recordPatients(body: Resource | undefined, before: Resource | undefined, record: AccessRecord, compartments: CompartmentMemo): void {
    const add = (r: Resource | undefined) => {
      if (r) for (const id of compartmentPatientIds(r, compartments)) record.patients.add(id);
    };
    add(before);
    if (!body) return;
    if (body.resourceType === 'Bundle') {
      for (const e of (body as Bundle).entry ?? []) {
        add(e.resource);
        if (e.resource?.resourceType === 'Bundle') for (const inner of (e.resource as Bundle).entry ?? []) add(inner.resource);
      }
    } else add(body);
  }
}

const principalKey = (p: Principal) => `${p.issuer}|${p.subject}`;

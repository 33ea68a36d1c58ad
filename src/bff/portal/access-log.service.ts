/**
 * `GET /bff/portal/me/access-log`: who accessed my record, when, how and why, read from the audit trail
 * (an accounting of disclosures). Only the patient's own entries; newest first; bounded.
 *
 * @see https://www.hhs.gov/hipaa/for-professionals/privacy/guidance/accounting-disclosures/index.html
 */
import { existsSync } from 'node:fs';
import { Inject, Injectable } from '@nestjs/common';
import { accessLogForPatient, type AccessLogEntry } from '../../audit/index.js';
import { APP_CONFIG, type AppConfig } from '../../config/index.js';
import type { AccessContext } from '../../fhir/fhir-access.service.js';
import { serviceUnavailable } from '../../fhir/outcomes.js';
import { MASKING, type ResponseMasker } from '../../masking/response-masker.js';
import type { AccessLogDto, AccessLogEntryDto } from './portal.dto.js';
import { ownPatient } from './portal-summary.service.js';

const MAX_ENTRIES = 500;
const OUTCOME: Record<string, string> = { '0': 'success', '4': 'refused', '8': 'failed', '12': 'failed' };

@Injectable()
export class AccessLogService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(MASKING) private readonly masker: ResponseMasker,
  ) {}

  accessLog(ctx: AccessContext, since?: string): AccessLogDto {
    const patient = ownPatient(ctx);
    ctx.record.patients.add(patient); // reading the accounting is itself an access to the record
    const path = this.config.audit.storePath;
    let entries: AccessLogEntry[] = [];
    if (existsSync(path)) {
      try {
        entries = accessLogForPatient(path, patient, since);
      } catch (err) {
        if (err instanceof RangeError) throw err;
        throw serviceUnavailable('Audit trail unavailable', 30);
      }
    }
    // Break-glass reasons are clinicians' free text: masked like any other response before the patient sees them.
    const dto: AccessLogDto = { patient, entries: entries.slice(-MAX_ENTRIES).reverse().map(toDto) };
    return this.masker.mask(dto, ctx.principal).body;
  }
}

function toDto(e: AccessLogEntry): AccessLogEntryDto {
  return {
    recorded: e.recorded,
    who: e.who,
    ...(e.clientId ? { clientId: e.clientId } : {}),
    interaction: e.interaction,
    action: e.action,
    ...(e.resourceType ? { resourceType: e.resourceType } : {}),
    ...(e.resource ? { resource: e.resource } : {}),
    outcome: OUTCOME[e.outcome] ?? e.outcome,
    purpose: e.breakGlass ? 'emergency access (break-glass)' : 'treatment',
    ...(e.breakGlass && e.breakGlassReason ? { breakGlassReason: e.breakGlassReason } : {}),
  };
}

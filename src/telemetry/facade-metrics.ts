/**
 * OpenTelemetry metrics, one per row of the seed's alert table (P95 latency, failed authentication,
 * 4xx, 5xx, rate-limit violations, unauthorized attempts, backend health failures), plus the audit outbox
 * depth and the age of its oldest pending event. Exported to Azure Monitor in the azure profile
 * (`@azure/monitor-opentelemetry`); without an SDK the API is a no-op.
 *
 * @see https://opentelemetry.io/docs/specs/semconv/http/http-metrics/
 */
import { metrics, type Counter, type Histogram } from '@opentelemetry/api';

export const METER_NAME = 'fhir-facade';

export interface OutboxGauges {
  pendingCount(): number;
  oldestPendingAgeMs(): number;
}

export class FacadeMetrics {
  private readonly duration: Histogram;
  private readonly responses: Counter;
  private readonly authFailures: Counter;
  private readonly unauthorized: Counter;
  private readonly rateLimited: Counter;
  private readonly backendHealthFailures: Counter;
  private readonly auditUnavailableCounter: Counter;

  constructor(outbox?: OutboxGauges) {
    const meter = metrics.getMeter(METER_NAME);
    this.duration = meter.createHistogram('http.server.request.duration', { unit: 'ms', description: 'Request latency (alert: P95 > 500 ms)' });
    this.responses = meter.createCounter('facade.responses', { description: 'Responses by status class (alerts: 4xx > 10 %, 5xx > 1 %)' });
    this.authFailures = meter.createCounter('facade.auth.failures', { description: 'Failed authentications, 401 (alert: > 5 %)' });
    this.unauthorized = meter.createCounter('facade.unauthorized.attempts', { description: 'Refused by authorization, 403 (alert: > 50/h)' });
    this.rateLimited = meter.createCounter('facade.rate_limit.rejections', { description: 'Rate-limited, 429 (alert: > 100/h)' });
    this.backendHealthFailures = meter.createCounter('facade.backend.health_failures', { description: 'Failed upstream health checks (alert: 3 consecutive)' });
    this.auditUnavailableCounter = meter.createCounter('facade.audit.unavailable', { description: 'Requests whose audit events could not be written' });
    if (outbox) {
      meter.createObservableGauge('facade.audit.outbox.depth', { description: 'Audit events not yet delivered' }).addCallback((r) => r.observe(outbox.pendingCount()));
      meter
        .createObservableGauge('facade.audit.outbox.oldest_age', { unit: 'ms', description: 'Age of the oldest undelivered audit event' })
        .addCallback((r) => r.observe(outbox.oldestPendingAgeMs()));
    }
  }

  /** One finished request; `route` is the matched route pattern (never the raw URL). */
  request(route: string, method: string, status: number, durationMs: number): void {
    const attributes = { 'http.route': route, 'http.request.method': method, 'http.response.status_code': status };
    this.duration.record(durationMs, attributes);
    this.responses.add(1, { 'status.class': `${Math.floor(status / 100)}xx` });
    if (status === 401) this.authFailures.add(1);
    if (status === 403) this.unauthorized.add(1);
    if (status === 429) this.rateLimited.add(1);
  }

  backendHealthFailure(backend: string): void {
    this.backendHealthFailures.add(1, { backend });
  }

  auditUnavailable(reason: string): void {
    this.auditUnavailableCounter.add(1, { reason });
  }
}

/**
 * The monitoring signals behind the seed's alert table are emitted: latency histogram, 4xx/5xx by class,
 * authentication failures (401), unauthorized attempts (403), and the audit outbox depth and age.
 */
import { metrics } from '@opentelemetry/api';
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
  type ResourceMetrics,
} from '@opentelemetry/sdk-metrics';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack, type TestStack } from '../support/test-stack.js';

describe('metrics for each alert of the seed', () => {
  let stack: TestStack;
  const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 });

  beforeAll(async () => {
    metrics.setGlobalMeterProvider(new MeterProvider({ readers: [reader] }));
    stack = await startTestStack();
  });
  afterAll(() => stack?.close());

  const sumOf = (all: ResourceMetrics[], name: string, attrs: Record<string, unknown> = {}) => {
    const found = all.flatMap((r) => r.scopeMetrics.flatMap((s) => s.metrics)).filter((m) => m.descriptor.name === name).at(-1);
    if (!found) return undefined;
    return (found.dataPoints as { value: unknown; attributes: Record<string, unknown> }[])
      .filter((p) => Object.entries(attrs).every(([k, v]) => p.attributes[k] === v))
      .reduce((n, p) => n + (typeof p.value === 'number' ? p.value : (p.value as { count: number }).count), 0);
  };

  it('counts requests, 401s and 403s, and records latency per route', async () => {
    const token = await stack.token('Patient/pat-001', 'openid fhirUser launch/patient patient/*.rs');
    expect((await stack.fetch('Patient/pat-001', { token })).status).toBe(200);
    expect((await stack.fetch('Patient/pat-001', { token: 'x.y.z' })).status).toBe(401);
    expect((await stack.fetch('Patient/pat-001')).status).toBe(401);
    expect((await stack.fetch('Patient/pat-002', { token })).status).toBe(403);
    await reader.forceFlush();
    const all = exporter.getMetrics();
    expect(sumOf(all, 'facade.auth.failures')).toBe(2);
    expect(sumOf(all, 'facade.unauthorized.attempts')).toBe(1);
    expect(sumOf(all, 'facade.responses', { 'status.class': '4xx' })).toBe(3);
    expect(sumOf(all, 'facade.responses', { 'status.class': '2xx' })).toBeGreaterThanOrEqual(1);
    expect(sumOf(all, 'http.server.request.duration', { 'http.route': '/fhir/:type/:id' })).toBe(4);
    expect(sumOf(all, 'facade.audit.outbox.depth')).toBeGreaterThanOrEqual(0);
    expect(sumOf(all, 'facade.audit.outbox.oldest_age')).toBeGreaterThanOrEqual(0);
  });
});

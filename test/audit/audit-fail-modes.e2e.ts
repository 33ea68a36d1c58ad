/**
 * An audit store that cannot be written: fail closed (the default) serves no PHI; fail open serves and alerts.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { metrics } from '@opentelemetry/api';
import { AggregationTemporality, InMemoryMetricExporter, MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { describe, expect, it } from 'vitest';
import { startTestStack } from '../support/test-stack.js';

describe('when the audit store cannot be written', () => {
  const unwritablePath = () => {
    const dir = mkdtempSync(join(tmpdir(), 'facade-audit-bad-'));
    const file = join(dir, 'not-a-directory');
    writeFileSync(file, 'x');
    return join(file, 'audit.sqlite'); // a path under a regular file: never writable, even as root
  };

  // Fail open runs first: nestjs-pino keeps the first app's log destination for the whole process.
  it('fail open: the request is served and an alert is raised (log line and metric)', async () => {
    const lines: string[] = [];
    const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
    const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 });
    metrics.setGlobalMeterProvider(new MeterProvider({ readers: [reader] }));
    const stack = await startTestStack({ env: { AUDIT_STORE_PATH: unwritablePath(), AUDIT_FAIL_MODE: 'open' }, logLines: lines });
    try {
      const token = await stack.token('Patient/pat-001', 'openid fhirUser launch/patient patient/*.rs');
      const res = await stack.fetch('Patient/pat-001', { token });
      expect(res.status).toBe(200);
      expect(lines.some((l) => l.includes('audit trail unavailable'))).toBe(true);
      await reader.forceFlush();
      const names = exporter.getMetrics().flatMap((m) => m.scopeMetrics.flatMap((s) => s.metrics.map((x) => x.descriptor.name)));
      expect(names).toContain('facade.audit.unavailable');
    } finally {
      await stack.close();
    }
  });

  it('fail closed (default): PHI routes answer 503 and serve no PHI', async () => {
    const stack = await startTestStack({ env: { AUDIT_STORE_PATH: unwritablePath() } });
    try {
      const token = await stack.token('Patient/pat-001', 'openid fhirUser launch/patient patient/*.rs');
      const res = await stack.fetch('Patient/pat-001', { token });
      const text = await res.text();
      expect(res.status).toBe(503);
      expect(text).not.toContain('pat-001');
      expect(JSON.parse(text).resourceType).toBe('OperationOutcome');
      expect((await stack.fetch('/health/ready')).status).toBe(503);
    } finally {
      await stack.close();
    }
  });
});

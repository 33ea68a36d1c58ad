export { startAzureMonitor } from './azure-monitor.js';
export { FacadeMetrics, METER_NAME } from './facade-metrics.js';
export { TelemetryModule } from './telemetry.module.js';

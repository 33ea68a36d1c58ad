/**
 * Azure Monitor (Application Insights) export of traces and metrics, in the azure profile, when
 * APPLICATIONINSIGHTS_CONNECTION_STRING is set. Called before the app is created so HTTP is instrumented.
 */
import type { AppConfig } from '../config/index.js';

export async function startAzureMonitor(config: AppConfig): Promise<void> {
  if (config.profile !== 'azure' || !config.appInsightsConnectionString) return;
  const { useAzureMonitor } = await import('@azure/monitor-opentelemetry');
  useAzureMonitor({ azureMonitorExporterOptions: { connectionString: config.appInsightsConnectionString } });
}

/**
 * apim/openapi.json is generated from the app (`npm run openapi`); this fails when the committed document
 * no longer matches the controllers and DTOs, and checks the BFF endpoints are documented.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { exportOpenApiJson } from '../../src/bff/openapi-export.js';

describe('apim/openapi.json', () => {
  it('matches the document built from the app (run `npm run openapi` after changing the API)', async () => {
    const built = await exportOpenApiJson();
    const committed = readFileSync(new URL('../../apim/openapi.json', import.meta.url), 'utf8');
    expect(committed, 'apim/openapi.json is out of date: run `npm run openapi` and commit it').toBe(built);
  });

  it('documents the BFF endpoints with their DTOs and bearer auth, and not the OAuth or demo routes', async () => {
    const doc = JSON.parse(await exportOpenApiJson()) as { paths: Record<string, Record<string, any>>; components: { schemas: Record<string, unknown> } };
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/bff/portal/me', '/bff/portal/me/access-log', '/bff/provider/patients', '/bff/provider/patients/{id}/chart', '/bff/provider/launch']),
    );
    expect(doc.paths['/bff/portal/me']!.get.responses['200'].content['application/json'].schema.$ref).toBe('#/components/schemas/PortalSummaryDto');
    expect(doc.paths['/bff/provider/launch']!.post.requestBody.content['application/json'].schema.$ref).toBe('#/components/schemas/LaunchRequestDto');
    expect(doc.paths['/bff/provider/patients']!.get.security).toEqual([{ bearer: [] }]);
    for (const name of ['PortalSummaryDto', 'AccessLogDto', 'PatientPanelDto', 'PatientChartDto', 'LaunchRequestDto', 'LaunchResponseDto', 'DemographicsDto', 'ClinicalItemDto']) {
      expect(doc.components.schemas[name], name).toBeDefined();
    }
    expect(Object.keys(doc.paths).some((p) => p.startsWith('/auth/') || p.startsWith('/demo-app'))).toBe(false);
  });
});

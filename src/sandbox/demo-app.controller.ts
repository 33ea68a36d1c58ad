/**
 * Serves the demo SMART app (local profile only): static pages that use SMART's `fhirclient` browser
 * bundle to complete an EHR launch and a standalone launch through the facade, then show the patient banner
 * and data as the facade returns them (masked). Registered as client `smart-app` with the local IdP.
 *
 * @see https://docs.smarthealthit.org/client-js/
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Controller, Get, Module, Param, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Public } from '../auth/index.js';
import { notFound } from '../fhir/outcomes.js';

const FILES: Record<string, string> = {
  'launch.html': 'text/html; charset=utf-8',
  'index.html': 'text/html; charset=utf-8',
  'app.js': 'application/javascript; charset=utf-8',
  'fhir-client.js': 'application/javascript; charset=utf-8',
};

/** The static files: beside this module when run from source, under src/ when run from dist/. */
function demoDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [join(here, 'demo-app'), join(here, '..', '..', '..', 'src', 'sandbox', 'demo-app')];
  return candidates.find((d) => existsSync(join(d, 'index.html'))) ?? candidates[0]!;
}

function load(name: string): Buffer {
  // fhirclient's browser bundle (a devDependency: the demo runs in the local profile only).
  if (name === 'fhir-client.js') return readFileSync(createRequire(import.meta.url).resolve('fhirclient/build/fhir-client.js'));
  return readFileSync(join(demoDir(), name));
}

@Public()
@ApiExcludeController()
@Controller('demo-app')
export class DemoAppController {
  private readonly cache = new Map<string, Buffer>();

  @Get(':file')
  file(@Param('file') file: string, @Res({ passthrough: true }) reply: FastifyReply): Buffer {
    const type = FILES[file];
    if (!type) throw notFound();
    let body = this.cache.get(file);
    if (!body) this.cache.set(file, (body = load(file)));
    reply.header('content-type', type).header('cache-control', 'no-cache').header('x-content-type-options', 'nosniff');
    return body;
  }
}

@Module({ controllers: [DemoAppController] })
export class DemoAppModule {}

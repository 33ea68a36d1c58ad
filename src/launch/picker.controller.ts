/**
 * The azure profile's patient picker routes (issue 7): `GET /auth/picker/callback` (the facade's own Entra
 * sign-in returns here; a practitioner gets the picker page, a patient user goes straight on) and
 * `POST /auth/picker` (the choice). Public for the global guard: the browser carries no bearer token; the
 * pending request is found by single-use values. Refusals are plain pages (picker-page.ts), never redirects.
 * Left out of the OpenAPI document like the other `/auth` routes (browser steps of the OAuth flow, not an API).
 *
 * @see https://hl7.org/fhir/smart-app-launch/app-launch.html#launch-app-standalone-launch
 */
import { Body, Controller, Get, Post, Query, Res, UseFilters } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Public } from '../auth/index.js';
import { PatientPickerService } from './patient-picker.service.js';
import { PickerPageFilter, pageHeaders } from './picker-page.js';

@Public()
@ApiExcludeController()
@UseFilters(PickerPageFilter)
@Controller('auth/picker')
export class PickerController {
  constructor(private readonly picker: PatientPickerService) {}

  @Get('callback')
  async callback(@Query() query: unknown, @Res() reply: FastifyReply): Promise<void> {
    const step = await this.picker.callback(query);
    if ('redirect' in step) {
      await reply.headers({ 'cache-control': 'no-store', 'referrer-policy': 'no-referrer' }).redirect(step.redirect, 302);
      return;
    }
    await reply.status(200).headers(pageHeaders(step.formTarget)).send(step.page);
  }

  @Post()
  async choose(@Body() form: unknown, @Res() reply: FastifyReply): Promise<void> {
    await reply.headers({ 'cache-control': 'no-store', 'referrer-policy': 'no-referrer' }).redirect(await this.picker.choose(form), 302);
  }
}

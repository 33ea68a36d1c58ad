/**
 * The SMART authorization facade: `/auth/authorize` (GET, and POST for `authorize-post`), `/auth/token`,
 * `/auth/introspect`, and the app style sheet named by `smart_style_url`. Public routes for the global
 * guard (they are how a token is obtained); `/auth/introspect` checks its caller's bearer token itself, so
 * its refusals are OAuth JSON too. Errors are OAuth error JSON (RFC 6749 §5.2), never OperationOutcomes.
 *
 * @see https://hl7.org/fhir/smart-app-launch/app-launch.html
 */
import { Body, Controller, Get, Headers, HttpCode, Post, Query, Res, UseFilters } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Public } from '../auth/index.js';
import { AuthorizeService } from './authorize.service.js';
import { IntrospectionService } from './introspection.service.js';
import { NO_STORE, OAuthErrorFilter } from './oauth-error.js';
import { TokenService } from './token.service.js';

/** SMART app styling (SMART App Launch §"Styling"): colours and fonts of the local demo EHR. */
const SMART_STYLE = {
  color_background: '#f6f7f9',
  color_error: '#b00020',
  color_highlight: '#0b5cad',
  color_modal_backdrop: '',
  color_success: '#2e7d32',
  color_text: '#1c1c1c',
  dim_border_radius: '6px',
  dim_font_size: '14px',
  dim_spacing_size: '16px',
  font_family_body: 'system-ui, sans-serif',
  font_family_heading: 'system-ui, sans-serif',
};

@Public()
@ApiExcludeController()
@UseFilters(OAuthErrorFilter)
@Controller('auth')
export class AuthController {
  constructor(
    private readonly authorizeService: AuthorizeService,
    private readonly tokens: TokenService,
    private readonly introspection: IntrospectionService,
  ) {}

  @Get('authorize')
  async authorize(@Query() query: unknown, @Res() reply: FastifyReply): Promise<void> {
    await reply.redirect(await this.authorizeService.authorize(query), 302);
  }

  @Post('authorize')
  async authorizePost(@Body() form: unknown, @Res() reply: FastifyReply): Promise<void> {
    await reply.redirect(await this.authorizeService.authorize(form), 302);
  }

  @Post('token')
  @HttpCode(200)
  async token(@Body() form: unknown, @Headers('authorization') authorization: string | undefined, @Res({ passthrough: true }) reply: FastifyReply) {
    const answer = await this.tokens.token(form, authorization);
    reply.status(answer.status).headers(NO_STORE).header('content-type', 'application/json; charset=utf-8');
    return JSON.stringify(answer.body);
  }

  @Post('introspect')
  @HttpCode(200)
  async introspect(@Body() form: unknown, @Headers('authorization') authorization: string | undefined, @Res({ passthrough: true }) reply: FastifyReply) {
    await this.introspection.authorizeCaller(authorization);
    const body = await this.introspection.introspect(form);
    reply.headers(NO_STORE).header('content-type', 'application/json; charset=utf-8');
    return JSON.stringify(body);
  }

  @Get('smart-style.json')
  smartStyle(@Res({ passthrough: true }) reply: FastifyReply) {
    reply.header('access-control-allow-origin', '*').header('cache-control', 'public, max-age=3600').header('content-type', 'application/json; charset=utf-8');
    return JSON.stringify(SMART_STYLE);
  }
}

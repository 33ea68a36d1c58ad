import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { APP_CONFIG, type AppConfig } from '../config/index.js';
import { BearerAuthGuard } from './bearer-auth.guard.js';
import { BearerTokenVerifier } from './bearer-token.verifier.js';
import { LAUNCH_CONTEXT_RESOLVER, type LaunchContextResolver } from './launch-context.resolver.js';
import { TrustedIssuerRegistry } from './trusted-issuer.registry.js';

@Module({
  providers: [
    {
      provide: TrustedIssuerRegistry,
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => new TrustedIssuerRegistry(config.authIssuers, config.jwksCooldownMs),
    },
    {
      provide: BearerTokenVerifier,
      // The resolver comes from the launch module (global); without it tokens are taken as they are.
      inject: [TrustedIssuerRegistry, { token: LAUNCH_CONTEXT_RESOLVER, optional: true }],
      useFactory: (r: TrustedIssuerRegistry, contexts?: LaunchContextResolver) => new BearerTokenVerifier(r, contexts),
    },
    { provide: APP_GUARD, useClass: BearerAuthGuard },
  ],
  exports: [TrustedIssuerRegistry, BearerTokenVerifier],
})
export class AuthModule {}

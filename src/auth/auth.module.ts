import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { PassportModule } from '@nestjs/passport';
import { APP_CONFIG, type AppConfig } from '../config/index.js';
import { BearerAuthGuard } from './bearer-auth.guard.js';
import { BearerTokenVerifier } from './bearer-token.verifier.js';
import { BearerStrategy } from './bearer.strategy.js';
import { TrustedIssuerRegistry } from './trusted-issuer.registry.js';

@Module({
  imports: [PassportModule.register({ session: false })],
  providers: [
    {
      provide: TrustedIssuerRegistry,
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => new TrustedIssuerRegistry(config.authIssuers, config.jwksCooldownMs),
    },
    { provide: BearerTokenVerifier, inject: [TrustedIssuerRegistry], useFactory: (r: TrustedIssuerRegistry) => new BearerTokenVerifier(r) },
    BearerStrategy,
    { provide: APP_GUARD, useClass: BearerAuthGuard },
  ],
  exports: [TrustedIssuerRegistry, BearerTokenVerifier],
})
export class AuthModule {}

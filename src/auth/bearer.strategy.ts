/**
 * The one passport strategy: `Authorization: Bearer <JWT>` verified with jose against the trusted issuers.
 * (Not passport-azure-ad: archived by Microsoft, https-only metadata, Entra `scp` only; see docs/decisions.md.)
 */
import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import type { FastifyRequest } from 'fastify';
import { Strategy } from 'passport-custom';
import { BearerTokenVerifier } from './bearer-token.verifier.js';
import type { Principal } from './principal.js';

export class MissingTokenError extends Error {
  constructor() {
    super('no bearer token');
    this.name = 'MissingTokenError';
  }
}

const BEARER = /^Bearer ([A-Za-z0-9\-_]+\.[A-Za-z0-9\-_]*\.[A-Za-z0-9\-_]*)$/;

@Injectable()
export class BearerStrategy extends PassportStrategy(Strategy, 'bearer') {
  constructor(private readonly verifier: BearerTokenVerifier) {
    super();
  }

  async validate(request: FastifyRequest): Promise<Principal> {
    const header = request.headers.authorization;
    if (!header) throw new MissingTokenError();
    const match = BEARER.exec(header.trim());
    if (!match) throw new Error('malformed authorization header');
    return this.verifier.verify(match[1]!);
  }
}

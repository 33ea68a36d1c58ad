/**
 * The slice of oidc-provider 9's API the local IdP uses. oidc-provider ships no typings and
 * `@types/oidc-provider` is not installed; keep this minimal and local to the sandbox.
 * API reference: https://github.com/panva/node-oidc-provider/blob/main/docs/README.md
 */
declare module 'oidc-provider' {
  import type { IncomingMessage, ServerResponse } from 'node:http';

  export interface InteractionPrompt {
    name: string;
    reasons: string[];
    details: Record<string, unknown>;
  }

  export interface Interaction {
    uid: string;
    prompt: InteractionPrompt;
    params: Record<string, unknown>;
    session?: { accountId?: string; uid?: string };
    grantId?: string;
    lastSubmission?: Record<string, unknown>;
    returnTo: string;
  }

  export interface Grant {
    readonly jti: string;
    accountId: string;
    clientId: string;
    addOIDCScope(scope: string): void;
    addOIDCClaims(claims: string[]): void;
    addResourceScope(resource: string, scope: string): void;
    getResourceScope(resource: string): string;
    save(): Promise<string>;
  }

  export interface GrantConstructor {
    new (init: { accountId: string; clientId: string }): Grant;
    find(id: string): Promise<Grant | undefined>;
  }

  export interface Client {
    readonly clientId: string;
    grantTypeAllowed(type: string): boolean;
  }

  /** Koa context with oidc-provider's `ctx.oidc`, as the configuration hooks receive it. */
  export interface KoaContextWithOIDC {
    oidc: {
      route: string;
      params?: Record<string, unknown>;
      client?: Client;
      entities: Record<string, unknown>;
      provider: Provider;
    };
  }

  /** An access token (or client credentials token) as `extraTokenClaims` receives it. */
  export interface TokenLike {
    kind: string;
    accountId?: string;
    grantId?: string;
    clientId?: string;
    scope?: string;
  }

  export type Configuration = Record<string, unknown>;

  export default class Provider {
    constructor(issuer: string, configuration: Configuration);
    readonly issuer: string;
    proxy: boolean;
    readonly Grant: GrantConstructor;
    readonly Client: { find(id: string): Promise<Client | undefined> };
    callback(): (req: IncomingMessage, res: ServerResponse) => void;
    interactionDetails(req: IncomingMessage, res: ServerResponse): Promise<Interaction>;
    interactionFinished(
      req: IncomingMessage,
      res: ServerResponse,
      result: Record<string, unknown>,
      options?: { mergeWithLastSubmission?: boolean },
    ): Promise<void>;
    on(event: string, listener: (...args: unknown[]) => void): this;
  }

  type OidcError = new (description?: string, detail?: string) => Error & {
    error: string;
    error_description?: string;
    status: number;
  };

  export const errors: {
    InvalidTarget: OidcError;
    InvalidScope: OidcError;
    InvalidRequest: OidcError;
    AccessDenied: OidcError;
    InvalidClientAuth: OidcError;
    SessionNotFound: OidcError;
    OIDCProviderError: OidcError;
  };
}

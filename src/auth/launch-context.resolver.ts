/**
 * The launch context of an access token that cannot carry it itself. Entra ID access tokens have no
 * `patient` or `encounter` claim, so in the azure profile the token endpoint keeps the context of each
 * launch-bound token apart, keyed by a hash of the token, and the verifier looks it up here. Implemented by
 * the launch module (src/launch/stored-launch-context.resolver.ts); src/auth depends only on this interface.
 *
 * @see https://hl7.org/fhir/smart-app-launch/scopes-and-launch-context.html#launch-context-arrives-with-your-access_token
 */
import type { Principal } from './principal.js';

/** The Nest injection token of the resolver; optional: without one, tokens are taken as they are. */
export const LAUNCH_CONTEXT_RESOLVER = Symbol('LAUNCH_CONTEXT_RESOLVER');

/** The context kept for one token. */
export interface TokenLaunchContext {
  /** Patient id in context. */
  readonly patient: string;
  /** Encounter id in context, when the launch named one. */
  readonly encounter?: string;
}

export interface LaunchContextResolver {
  /**
   * The context kept for the token whose SHA-256 (base64url) is `tokenHash`; undefined when there is none
   * (never kept, or expired). Throws {@link LaunchContextUnavailableError} when it cannot tell.
   */
  resolve(tokenHash: string): Promise<TokenLaunchContext | undefined>;
}

/**
 * True for a principal whose launch context may be kept apart: it names no patient, and it has `patient/`
 * scopes or asked for launch context. Every other token (a patient user, a token carrying `patient`, a user
 * or system token) never causes a lookup.
 */
export function mayHaveKeptContext(principal: Principal): boolean {
  return principal.patient === undefined && principal.scopes.some((s) => s.startsWith('patient/') || s === 'launch' || s === 'launch/patient');
}

/** The store of launch contexts could not be asked: the request is refused (503), never served without context. */
export class LaunchContextUnavailableError extends Error {
  constructor() {
    super('launch context store unavailable');
    this.name = 'LaunchContextUnavailableError';
  }
}

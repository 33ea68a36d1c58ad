/**
 * Resilience around any FhirBackend (AHDS and every EMR), with cockatiel, outermost first:
 * - a deadline for the whole call, retries included (504 beyond): no request hangs past it;
 * - retries with exponential backoff and decorrelated jitter, for GET only (never a POST or other write),
 *   on 5xx, timeouts and network errors (not on an answer over the size limit: it would be as large again);
 * - a bulkhead per backend (concurrent calls and queue bounded; 503 + Retry-After when full);
 * - a circuit breaker per backend: opens after consecutive failures, answers 503 + Retry-After while open,
 *   lets one probe through once half-open, closes on its success;
 * - a timeout per attempt.
 * The two timeouts abort the call's signal and answer at once, whether or not the call honours it
 * (abort-timeout.policy.ts).
 * 4xx answers are the backend working normally: never retried, never counted against it.
 *
 * @see https://github.com/connor4312/cockatiel#readme
 * @see https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/
 * @see https://www.rfc-editor.org/rfc/rfc9110#field.retry-after
 */
import {
  BrokenCircuitError,
  BulkheadRejectedError,
  CircuitState,
  ConsecutiveBreaker,
  ExponentialBackoff,
  TaskCancelledError,
  bulkhead,
  circuitBreaker,
  handleWhen,
  noop,
  retry,
  wrap,
  type CircuitBreakerPolicy,
  type IPolicy,
} from 'cockatiel';
import type { ResilienceConfig } from '../../config/index.js';
import { badGateway, gatewayTimeout, OperationOutcomeError, serviceUnavailable, UpstreamTooLargeError } from '../../fhir/outcomes.js';
import type { BackendRequest, BackendResponse, FhirBackend } from '../fhir-backend.js';
import { AbortTimeoutPolicy } from './abort-timeout.policy.js';

/** A failure that says the backend is unwell (as opposed to a 4xx, or a too-large answer, about the request). */
export function isBackendFailure(err: unknown): boolean {
  if (err instanceof BrokenCircuitError || err instanceof BulkheadRejectedError) return false;
  if (err instanceof OperationOutcomeError) return err.status >= 500 && !(err instanceof UpstreamTooLargeError);
  return true; // timeouts, resets, refused connections, token endpoint down
}

export class ResilientBackend implements FhirBackend {
  readonly name: string;
  readonly baseUrl: string;
  private readonly breaker: CircuitBreakerPolicy;
  private readonly readPolicy: IPolicy;
  private readonly writePolicy: IPolicy;
  private openedAt = 0;

  constructor(
    private readonly inner: FhirBackend,
    private readonly config: ResilienceConfig,
    private readonly now: () => number = Date.now,
  ) {
    this.name = inner.name;
    this.baseUrl = inner.baseUrl;
    this.breaker = circuitBreaker(handleWhen(isBackendFailure), {
      halfOpenAfter: config.breakerHalfOpenMs,
      breaker: new ConsecutiveBreaker(config.breakerFailures),
    });
    this.breaker.onBreak(() => {
      this.openedAt = this.now();
    });
    const isolation = bulkhead(config.bulkheadLimit, config.bulkheadQueue);
    // Not cockatiel's timeout: see abort-timeout.policy.ts (it kept every result alive past the young generation).
    // Stateless, so one instance of each serves both policies.
    const attempt = new AbortTimeoutPolicy(config.attemptTimeoutMs);
    const deadline = new AbortTimeoutPolicy(config.deadlineMs);
    const retries =
      config.retries > 0
        ? retry(handleWhen(isBackendFailure), {
            maxAttempts: config.retries,
            backoff: new ExponentialBackoff({ initialDelay: config.retryBaseDelayMs, maxDelay: Math.max(config.retryBaseDelayMs, config.deadlineMs / 4) }),
          })
        : noop;
    this.readPolicy = wrap(deadline, retries, isolation, this.breaker, attempt);
    this.writePolicy = wrap(deadline, isolation, this.breaker, attempt);
  }

  /** Closed, open, half-open (for readiness and tests). */
  get circuitState(): CircuitState {
    return this.breaker.state;
  }

  async request(req: BackendRequest): Promise<BackendResponse> {
    const policy = req.method === 'GET' ? this.readPolicy : this.writePolicy;
    try {
      return await policy.execute(async ({ signal }) => {
        try {
          return await this.inner.request({ ...req, signal: req.signal ? AbortSignal.any([req.signal, signal]) : signal });
        } catch (err) {
          throw signal.aborted && !(err instanceof OperationOutcomeError) ? new TaskCancelledError() : err; // our deadline, not the backend
        }
      });
    } catch (err) {
      throw this.translate(err);
    }
  }

  async ping(): Promise<boolean> {
    if (this.breaker.state === CircuitState.Open || this.breaker.state === CircuitState.Isolated) return false;
    return this.inner.ping();
  }

  private translate(err: unknown): OperationOutcomeError {
    if (err instanceof BrokenCircuitError) {
      const remaining = this.openedAt + this.config.breakerHalfOpenMs - this.now();
      return serviceUnavailable('Upstream FHIR server temporarily unavailable', Math.max(1, Math.ceil(remaining / 1000)));
    }
    if (err instanceof BulkheadRejectedError) return serviceUnavailable('Upstream FHIR server busy', 1);
    if (err instanceof TaskCancelledError) return gatewayTimeout();
    if (err instanceof OperationOutcomeError) return err;
    return badGateway();
  }
}

/**
 * A timeout for cockatiel's `wrap`, with the semantics of its aggressive `timeout` policy: after `ms` (or when
 * the enclosing policy's signal aborts) the call's signal is aborted and the caller gets a TaskCancelledError
 * at once, whether or not the call honours its signal. A deadline is a bound, not a request.
 *
 * Why not cockatiel's own: its aggressive timeout races the call against a promise that never settles when
 * the call wins, and with it every result (a parsed upstream Bundle) survived the young generation's
 * collections and was only reclaimed by the full collector: ~4.5 MB promoted per scavenge on workload B,
 * old space swelling between major GCs, scavenges about twice as long (issue 9, BENCHMARKS.md). Here every
 * promise settles and the timer and the listener on the enclosing signal are removed when the call ends, so
 * nothing keeps a finished call's result reachable.
 */
import { TaskCancelledError, type Event, type ICancellationContext, type IFailureEvent, type IPolicy, type ISuccessEvent } from 'cockatiel';

const NO_LISTENERS = { dispose: () => undefined };

export class AbortTimeoutPolicy implements IPolicy<ICancellationContext> {
  /** Type-level only (cockatiel's IPolicy); never set. */
  declare readonly _altReturn: never;
  /** Not observed by this service: timeouts reach the caller as TaskCancelledError (504). */
  readonly onSuccess: Event<ISuccessEvent> = () => NO_LISTENERS;
  readonly onFailure: Event<IFailureEvent> = () => NO_LISTENERS;

  constructor(private readonly ms: number) {}

  execute<T>(fn: (context: ICancellationContext) => PromiseLike<T> | T, parent?: AbortSignal): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      if (parent?.aborted) return reject(new TaskCancelledError('Operation cancelled'));
      const aborter = new AbortController();
      const cancel = (message: string) => {
        detach();
        aborter.abort();
        reject(new TaskCancelledError(message));
      };
      const onParentAbort = () => cancel('Operation cancelled');
      const timer = setTimeout(() => cancel(`Operation timed out after ${this.ms}ms`), this.ms);
      const detach = () => {
        clearTimeout(timer);
        parent?.removeEventListener('abort', onParentAbort);
      };
      parent?.addEventListener('abort', onParentAbort);
      new Promise<T>((run) => run(fn({ signal: aborter.signal }))).then(
        (value) => {
          detach();
          resolve(value);
        },
        (err: unknown) => {
          detach();
          reject(err);
        },
      );
    });
  }
}

import { getEventListeners } from 'node:events';
import { TaskCancelledError, wrap, type ICancellationContext } from 'cockatiel';
import { describe, expect, it } from 'vitest';
import { AbortTimeoutPolicy } from './abort-timeout.policy.js';

const pendingTimeouts = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
/** A call that never ends and ignores its signal (only the policy can end the wait); keeps the signal it got. */
function deafCall() {
  const call = {
    signal: undefined as AbortSignal | undefined,
    run: ({ signal }: ICancellationContext) => {
      call.signal = signal;
      return new Promise<never>(() => undefined);
    },
  };
  return call;
}

describe('AbortTimeoutPolicy', () => {
  it('answers with the call, then leaves no timer and no listener on the enclosing signal', async () => {
    const parent = new AbortController();
    const before = pendingTimeouts();
    let seen: AbortSignal | undefined;
    const value = await new AbortTimeoutPolicy(5_000).execute(({ signal }) => {
      seen = signal;
      return { resourceType: 'Bundle' };
    }, parent.signal);
    expect(value).toEqual({ resourceType: 'Bundle' });
    expect(seen?.aborted).toBe(false);
    expect(pendingTimeouts()).toBe(before);
    expect(getEventListeners(parent.signal, 'abort')).toHaveLength(0);
  });

  it('passes the call\'s own error through unchanged, and cleans up the same way', async () => {
    const parent = new AbortController();
    const before = pendingTimeouts();
    const failure = new Error('upstream reset');
    await expect(new AbortTimeoutPolicy(5_000).execute(() => Promise.reject(failure), parent.signal)).rejects.toBe(failure);
    expect(pendingTimeouts()).toBe(before);
    expect(getEventListeners(parent.signal, 'abort')).toHaveLength(0);
  });

  it('ends a call that ignores its signal at the timeout, and aborts that signal', async () => {
    const call = deafCall();
    const outcome = await new AbortTimeoutPolicy(50).execute(call.run).catch((err: unknown) => err);
    expect(outcome).toBeInstanceOf(TaskCancelledError);
    expect(call.signal?.aborted).toBe(true);
  });

  it('ends at once when the enclosing signal aborts, and aborts the call\'s signal', async () => {
    const parent = new AbortController();
    const call = deafCall();
    const running = new AbortTimeoutPolicy(60_000).execute(call.run, parent.signal).catch((err: unknown) => err);
    parent.abort();
    await expect(running).resolves.toBeInstanceOf(TaskCancelledError);
    expect(call.signal?.aborted).toBe(true);
    expect(getEventListeners(parent.signal, 'abort')).toHaveLength(0);
  });

  it('does not start a call whose enclosing signal has already aborted', async () => {
    const parent = new AbortController();
    parent.abort();
    let called = false;
    const outcome = await new AbortTimeoutPolicy(60_000)
      .execute(() => {
        called = true;
        return 1;
      }, parent.signal)
      .catch((err: unknown) => err);
    expect(outcome).toBeInstanceOf(TaskCancelledError);
    expect(called).toBe(false);
  });

  it('nested in wrap(), the outer deadline cuts the inner timeout short', async () => {
    const call = deafCall();
    const policy = wrap(new AbortTimeoutPolicy(50), new AbortTimeoutPolicy(60_000));
    const outcome = await policy.execute(call.run).catch((err: unknown) => err);
    expect(outcome).toBeInstanceOf(TaskCancelledError);
    expect(call.signal?.aborted).toBe(true);
  });
});

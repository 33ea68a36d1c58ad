/**
 * Launch contexts in Redis (Azure Cache for Redis in production), so every instance behind APIM can
 * redeem a `launch` value another instance issued. `SET ... PX` for the lifetime, `GETDEL` (Redis >= 6.2)
 * for the atomic single use, `GET` for the context of an issued token (read on every request it makes).
 *
 * @see https://redis.io/docs/latest/commands/getdel/
 * @see https://redis.io/docs/latest/commands/get/
 */
import { Redis } from 'ioredis';
import type { LaunchContextStore } from './launch-context.store.js';

/** Longest wait for one command; a healthy Redis answers in about a millisecond. */
const COMMAND_TIMEOUT_MS = 2_000;

export class RedisLaunchContextStore implements LaunchContextStore {
  private readonly redis: Redis;

  constructor(url: string) {
    // Fail fast: a launch must not hang for minutes while Redis is unreachable. The kept context of a token is
    // read on every request it makes, and reconnection backoff alone lets one command wait ~6 s: bound it.
    this.redis = new Redis(url, { maxRetriesPerRequest: 2, connectTimeout: 5_000, commandTimeout: COMMAND_TIMEOUT_MS, lazyConnect: false, enableOfflineQueue: true });
    // Connection errors surface on the commands; without a listener ioredis would log them itself.
    this.redis.on('error', () => undefined);
  }

  async put(key: string, value: unknown, ttlMs: number): Promise<void> {
    await this.redis.set(key, JSON.stringify(value), 'PX', Math.max(1, Math.round(ttlMs)));
  }

  async take<T>(key: string): Promise<T | undefined> {
    const json = await this.redis.getdel(key);
    return json === null ? undefined : (JSON.parse(json) as T);
  }

  async get<T>(key: string): Promise<T | undefined> {
    const json = await this.redis.get(key);
    return json === null ? undefined : (JSON.parse(json) as T);
  }

  async close(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}

/**
 * Chooses the launch context store: Redis when `REDIS_URL` is set (instances share launches), else memory.
 */
import type { Provider } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/index.js';
import { LAUNCH_CONTEXT_STORE, MemoryLaunchContextStore, type LaunchContextStore } from './launch-context.store.js';
import { RedisLaunchContextStore } from './redis-launch-context.store.js';

export function createLaunchContextStore(config: AppConfig): LaunchContextStore {
  return config.redisUrl ? new RedisLaunchContextStore(config.redisUrl) : new MemoryLaunchContextStore();
}

export const launchContextStoreProvider: Provider = {
  provide: LAUNCH_CONTEXT_STORE,
  inject: [APP_CONFIG],
  useFactory: createLaunchContextStore,
};

/**
 * The launch context store and the resolver the bearer verifier reads kept contexts through. Global, so the
 * auth module can inject the resolver (`LAUNCH_CONTEXT_RESOLVER`, optional there) without importing src/launch.
 */
import { Global, Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import { LAUNCH_CONTEXT_RESOLVER } from '../auth/index.js';
import { LAUNCH_CONTEXT_STORE, type LaunchContextStore } from './launch-context.store.js';
import { launchContextStoreProvider } from './launch-store.provider.js';
import { StoredLaunchContextResolver } from './stored-launch-context.resolver.js';

@Global()
@Module({
  providers: [
    launchContextStoreProvider,
    { provide: LAUNCH_CONTEXT_RESOLVER, inject: [LAUNCH_CONTEXT_STORE], useFactory: (store: LaunchContextStore) => new StoredLaunchContextResolver(store) },
  ],
  exports: [LAUNCH_CONTEXT_STORE, LAUNCH_CONTEXT_RESOLVER],
})
export class LaunchStoreModule implements OnApplicationShutdown {
  constructor(@Inject(LAUNCH_CONTEXT_STORE) private readonly store: LaunchContextStore) {}

  async onApplicationShutdown(): Promise<void> {
    await this.store.close();
  }
}

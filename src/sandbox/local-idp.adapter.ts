/**
 * In-memory storage adapter for one local IdP instance.
 *
 * oidc-provider's bundled memory adapter keeps one module-wide store shared by every provider in the
 * process; this one belongs to one `startLocalIdp` call, so that a provider rebuilt with a rotated key
 * keeps sessions, grants, codes and refresh tokens, and two IdPs in one test process never share state.
 * Adapter contract: https://github.com/panva/node-oidc-provider/blob/main/example/my_adapter.js
 */
export type AdapterPayload = Record<string, unknown> & {
  grantId?: string;
  userCode?: string;
  uid?: string;
  consumed?: number;
};

interface Entry {
  payload: AdapterPayload;
  expiresAt: number | undefined;
}

/** Shared record store; one adapter object per model name reads and writes it. */
export class LocalIdpStore {
  private readonly entries = new Map<string, Entry>();
  private readonly grants = new Map<string, Set<string>>();

  adapterFor(model: string): LocalIdpAdapter {
    return new LocalIdpAdapter(model, this);
  }

  get(key: string): AdapterPayload | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt !== undefined && entry.expiresAt <= Date.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.payload;
  }

  set(key: string, payload: AdapterPayload, expiresIn: number | undefined): void {
    this.prune();
    const expiresAt = typeof expiresIn === 'number' ? Date.now() + expiresIn * 1000 : undefined;
    this.entries.set(key, { payload, expiresAt });
  }

  delete(key: string): void {
    this.entries.delete(key);
  }

  linkToGrant(grantId: string, key: string): void {
    let keys = this.grants.get(grantId);
    if (!keys) {
      keys = new Set();
      this.grants.set(grantId, keys);
    }
    keys.add(key);
  }

  revokeGrant(grantId: string): void {
    for (const key of this.grants.get(grantId) ?? []) this.entries.delete(key);
    this.grants.delete(grantId);
  }

  /** Drops expired entries now and then so a long-running sandbox does not grow without bound. */
  private prune(): void {
    if (this.entries.size % 500 !== 0) return;
    const now = Date.now();
    for (const [key, entry] of this.entries) {
      if (entry.expiresAt !== undefined && entry.expiresAt <= now) this.entries.delete(key);
    }
  }
}

const GRANTABLE = new Set(['AccessToken', 'AuthorizationCode', 'RefreshToken', 'DeviceCode', 'BackchannelAuthenticationRequest']);

export class LocalIdpAdapter {
  constructor(
    private readonly model: string,
    private readonly store: LocalIdpStore,
  ) {}

  private key(id: string): string {
    return `${this.model}:${id}`;
  }

  async upsert(id: string, payload: AdapterPayload, expiresIn?: number): Promise<void> {
    const key = this.key(id);
    if (GRANTABLE.has(this.model) && typeof payload.grantId === 'string') {
      this.store.linkToGrant(payload.grantId, key);
    }
    if (typeof payload.userCode === 'string') this.store.set(`userCode:${payload.userCode}`, { id }, expiresIn);
    if (typeof payload.uid === 'string' && this.model === 'Session') {
      this.store.set(`sessionUid:${payload.uid}`, { id }, expiresIn);
    }
    this.store.set(key, structuredClone(payload), expiresIn);
  }

  async find(id: string): Promise<AdapterPayload | undefined> {
    const payload = this.store.get(this.key(id));
    return payload ? structuredClone(payload) : undefined;
  }

  async findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
    const ref = this.store.get(`userCode:${userCode}`);
    return typeof ref?.id === 'string' ? this.find(ref.id) : undefined;
  }

  async findByUid(uid: string): Promise<AdapterPayload | undefined> {
    const ref = this.store.get(`sessionUid:${uid}`);
    return typeof ref?.id === 'string' ? this.find(ref.id) : undefined;
  }

  async consume(id: string): Promise<void> {
    const payload = this.store.get(this.key(id));
    if (payload) payload.consumed = Math.floor(Date.now() / 1000);
  }

  async destroy(id: string): Promise<void> {
    this.store.delete(this.key(id));
  }

  async revokeByGrantId(grantId: string): Promise<void> {
    this.store.revokeGrant(grantId);
  }
}

/** One RegistryClient per registry, shared by every pull and push of a run (connections and tokens reused). */
import { RegistryClient, type RegistryOptions } from './client.ts';

export class ClientPool {
  readonly #options: RegistryOptions;
  readonly #clients = new Map<string, Promise<RegistryClient>>();

  constructor(options: RegistryOptions = {}) {
    this.#options = options;
  }

  get(registry: string): Promise<RegistryClient> {
    let c = this.#clients.get(registry);
    if (!c) {
      c = RegistryClient.create(registry, this.#options);
      this.#clients.set(registry, c);
    }
    return c;
  }

  async close(): Promise<void> {
    const all = [...this.#clients.values()];
    this.#clients.clear();
    await Promise.all(all.map(async (p) => (await p).close()));
  }
}

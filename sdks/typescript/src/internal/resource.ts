// Base of every generated resource: a view onto the client that sends its requests.
import type { ClientCore } from './core.ts';

export class APIResource {
  protected readonly _client: ClientCore;

  constructor(client: ClientCore) {
    this._client = client;
  }
}

import { FencingError, FencingErrorCodes } from '../errors.js';
import type { FenceOutcome, FenceRequest, Fencer } from '../types.js';

/** The function a {@link CallbackFencer} calls for each attempt. */
export type FenceCallback = (request: FenceRequest) => Promise<FenceOutcome | void> | FenceOutcome | void;

/**
 * A {@link Fencer} backed by a function: for tests and for custom integrations (a cloud API, a hypervisor
 * SDK...). Resolve on success, throw/reject on failure, honour `request.signal`.
 */
export class CallbackFencer implements Fencer {
  readonly name: string;
  readonly #fn: FenceCallback;

  constructor(fn: FenceCallback, options: { name?: string } = {}) {
    if (typeof fn !== 'function') throw new FencingError(FencingErrorCodes.INVALID_ARGUMENT, 'CallbackFencer needs a function');
    this.#fn = fn;
    this.name = options.name ?? 'callback';
  }

  async fence(request: FenceRequest): Promise<FenceOutcome | void> {
    return await this.#fn(request);
  }
}

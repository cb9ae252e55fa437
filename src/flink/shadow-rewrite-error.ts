import { EvolveError } from '../errors.js';

/**
 * The shadow cannot be made safe from this script (or these options). Raised
 * before anything runs, so production is untouched; the message says what to
 * change.
 */
export class ShadowRewriteError extends EvolveError {
  constructor(userMessage: string, options?: { cause?: unknown }) {
    super('SHADOW_REWRITE_REFUSED', userMessage, options);
  }
}

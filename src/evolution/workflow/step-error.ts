import { EvolveError } from '../../errors.js';
import type { ActionError } from '../evolution-action.js';

/** The error record a failed step leaves on the evolution; the user message, never a stack. */
export function actionError(err: unknown, step: string): ActionError {
  if (err instanceof EvolveError) return { code: err.code, message: err.userMessage, step };
  return { code: 'UNEXPECTED', message: err instanceof Error ? err.message : String(err), step };
}

import { dataText } from '../user-text.js';
import { actionError } from './step-error.js';

/**
 * What went wrong in a step, for a milestone: the error's message is data
 * (an exception, Flink's or Kafka's words), so it is quoted with dataText
 * where it enters the thread; the record keeps it as it was.
 */
export function failureText(err: unknown, step: string): string {
  return dataText(actionError(err, step).message);
}

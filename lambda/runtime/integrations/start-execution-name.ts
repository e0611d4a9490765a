/** The name a states:startExecution task gives its child when the definition gives none (pure). */
import { createHash } from 'node:crypto';

/** Named after the task attempt (`<record ARN>#<wait token>`): a repeated invocation starts nothing new. */
export function childNameFor(idempotencyKey: string): string {
  return createHash('sha256').update(idempotencyKey).digest('hex').slice(0, 64);
}

/**
 * Task tokens: what a `.waitForTaskToken` task hands out and SendTaskSuccess/Failure/Heartbeat bring
 * back. A token names the record it answers (an execution, or a spread Map item's child record) and
 * the wait inside it, and carries an HMAC-SHA256 under the deployment's secret, so nobody who merely
 * knows an execution ARN can make one up and complete, say, a manual approval.
 *
 * Format (opaque to callers, at most MAX_TASK_TOKEN_LENGTH characters): base64url of
 *   [version byte 1] [wait token, UTF-8] [0x0A] [record ARN, UTF-8] [HMAC-SHA256 of everything before, 32 bytes]
 * The wait token is the interpreter's counter (digits, never a newline), so the first newline splits it
 * from the ARN whatever characters the ARN holds.
 *
 * Pure computation (no I/O, no clock): the secret comes in from the adapters (a file locally, Secrets
 * Manager on AWS, a random one per process for `stepwright run`).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

/** AWS's limit on a task token's length; ours never exceed it. */
export const MAX_TASK_TOKEN_LENGTH = 1024;
/** The shortest secret accepted: 32 characters (the generated ones are 64). */
export const MIN_TASK_TOKEN_SECRET_LENGTH = 32;

const VERSION = 1;
const MAC_BYTES = 32;
const SEPARATOR = 0x0a;

export interface TaskTokenSigner {
  sign(recordArn: string, waitToken: string): string;
}

export class TaskTokens implements TaskTokenSigner {
  private readonly key: Buffer;

  /** `source` says where the secret came from, for the error when it is too short. */
  constructor(secret: string, source: string) {
    if (typeof secret !== 'string' || secret.length < MIN_TASK_TOKEN_SECRET_LENGTH) {
      throw new Error(`the task token secret from ${source} must be at least ${MIN_TASK_TOKEN_SECRET_LENGTH} characters (it is ${typeof secret === 'string' ? secret.length : typeof secret})`);
    }
    this.key = Buffer.from(secret, 'utf8');
  }

  sign(recordArn: string, waitToken: string): string {
    const body = Buffer.concat([Buffer.from([VERSION]), Buffer.from(waitToken, 'utf8'), Buffer.from([SEPARATOR]), Buffer.from(recordArn, 'utf8')]);
    return Buffer.concat([body, this.mac(body)]).toString('base64url');
  }

  /** The record and wait a token answers, or undefined when it is not one this secret signed, unaltered. */
  verify(taskToken: string): { executionArn: string; token: string } | undefined {
    if (typeof taskToken !== 'string' || taskToken.length === 0 || taskToken.length > 2 * MAX_TASK_TOKEN_LENGTH) return undefined;
    const raw = Buffer.from(taskToken, 'base64url');
    // Node's base64 decoder skips characters outside the alphabet and ignores a last character's spare
    // bits: only the canonical text of these bytes is accepted, so no altered character gets through.
    if (raw.toString('base64url') !== taskToken) return undefined;
    if (raw.length < 1 + 1 + 1 + MAC_BYTES || raw[0] !== VERSION) return undefined;
    const body = raw.subarray(0, raw.length - MAC_BYTES);
    if (!timingSafeEqual(raw.subarray(raw.length - MAC_BYTES), this.mac(body))) return undefined;
    const split = body.indexOf(SEPARATOR, 1);
    if (split < 0) return undefined;
    return { token: body.subarray(1, split).toString('utf8'), executionArn: body.subarray(split + 1).toString('utf8') };
  }

  private mac(body: Buffer): Buffer {
    return createHmac('sha256', this.key).update(body).digest();
  }
}

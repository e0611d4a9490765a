/**
 * Signed task tokens: a token carries a MAC under the deployment's secret, so one built from an
 * execution ARN alone (the old format) or altered in any character is refused with InvalidToken, and
 * the execution keeps waiting; a real one answers. A local engine with a data folder keeps its secret
 * in a file only its owner may read, so a token handed out before a restart still answers after it.
 */
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as svc from '../../lambda/runtime/service';
import { ApiError } from '../../lambda/runtime/api-errors';
import { MAX_TASK_TOKEN_LENGTH, TaskTokens } from '../../lambda/engine/task-tokens';
import { TASK_TOKEN_SECRET_FILE, processTaskTokens } from '../../lambda/local/task-token-secret';
import { runExecution } from '../../lambda/local/runner';
import { resolverFromTable } from '../../lambda/local/tasks';
import { loadOnce, taskTokensOf } from '../../lambda/runtime/task-tokens';
import { startTestEngine, until, type TestEngine } from './harness';
import { PARKER } from './callback-machines';

const SECRET = 'a'.repeat(64);
// AWS: execution and state machine names up to 80 characters each
const LONG_SM = 'm'.repeat(80);
const LONG_EXEC = 'e'.repeat(80);
const LONG_ARN = `arn:aws:states:ap-southeast-2:123456789012:execution:${LONG_SM}:${LONG_EXEC}`;


/** One character of `s` replaced by another of the base64url alphabet. */
function altered(s: string, i: number): string {
  return s.slice(0, i) + (s[i] === 'A' ? 'B' : 'A') + s.slice(i + 1);
}

async function invalidToken(p: Promise<unknown>): Promise<void> {
  await expect(p).rejects.toBeInstanceOf(ApiError);
  await expect(p).rejects.toMatchObject({ code: 'InvalidToken' });
}

describe('the token format', () => {
  const tokens = new TaskTokens(SECRET, 'the test');

  it('round-trips the record and wait it was issued for', () => {
    expect(tokens.verify(tokens.sign(LONG_ARN, '17'))).toEqual({ executionArn: LONG_ARN, token: '17' });
  });

  it('stays within 1,024 characters for the longest names, a spread Map item\'s record included', () => {
    const child = `${LONG_ARN}/${'s'.repeat(80)}/123456/9999/${'t'.repeat(80)}/123456/9999`;
    for (const arn of [LONG_ARN, child]) {
      const t = tokens.sign(arn, '123456');
      expect(t.length).toBeLessThanOrEqual(MAX_TASK_TOKEN_LENGTH);
      expect(tokens.verify(t)?.executionArn).toBe(arn);
    }
  });

  it('is opaque: the ARN does not show in it', () => {
    expect(tokens.sign(LONG_ARN, '1')).not.toContain('execution');
  });

  it('refuses every token with one character altered', () => {
    const t = tokens.sign(LONG_ARN, '3');
    for (let i = 0; i < t.length; i++) expect(tokens.verify(altered(t, i))).toBeUndefined();
  });

  it('refuses a token of another secret, a truncated one, and the old unsigned format', () => {
    const t = tokens.sign(LONG_ARN, '3');
    expect(new TaskTokens('b'.repeat(64), 'another').verify(t)).toBeUndefined();
    expect(tokens.verify(t.slice(0, -1))).toBeUndefined();
    expect(tokens.verify(t + 'A')).toBeUndefined();
    expect(tokens.verify(Buffer.from(JSON.stringify({ e: LONG_ARN, t: '3' })).toString('base64url'))).toBeUndefined();
  });

  it('refuses a secret shorter than 32 characters, naming where it came from', () => {
    expect(() => new TaskTokens('short', 'the secret arn:x')).toThrow('the task token secret from the secret arn:x must be at least 32 characters (it is 5)');
  });
});

describe('SendTask* on the local engine', () => {
  let t: TestEngine;
  const handedOut = new Map<string, string>();
  beforeAll(async () => {
    t = await startTestEngine({ tasks: { Park: (input: unknown, ctx) => void handedOut.set(ctx.executionArn, (input as { token: string }).token) } });
  });
  afterAll(() => t.close());

  async function parked(name: string): Promise<{ arn: string; token: string; wait: string }> {
    const sm = await t.machine(LONG_SM, PARKER).catch(() => svc.stateMachineArnFor(t.deps, LONG_SM));
    const arn = await t.start(sm, { who: name }, name);
    const token = await until('the task token', () => handedOut.get(arn));
    const rec = await t.get(arn);
    const wait = Object.values(rec.snapshot!.runs).map((r) => r.waiting).find((w) => w?.kind === 'task')!.token;
    return { arn, token, wait };
  }

  async function stillWaiting(arn: string): Promise<void> {
    const rec = await t.get(arn);
    expect(rec.status).toBe('RUNNING');
    expect(Object.values(rec.snapshot!.runs).some((r) => r.waiting?.kind === 'task')).toBe(true);
  }

  it('a token forged from the execution ARN (the old format) is InvalidToken, and the execution keeps waiting', async () => {
    const { arn, wait } = await parked('forged');
    const forged = Buffer.from(JSON.stringify({ e: arn, t: wait })).toString('base64url');
    await invalidToken(svc.sendTaskSuccess(t.deps, { taskToken: forged, output: '{"approved":true}' }));
    await invalidToken(svc.sendTaskFailure(t.deps, { taskToken: forged, error: 'Denied' }));
    await invalidToken(svc.sendTaskHeartbeat(t.deps, { taskToken: forged }));
    await stillWaiting(arn);
  });

  it('a real token with one character altered is InvalidToken; the real one then answers', async () => {
    const { arn, token } = await parked(LONG_EXEC);
    expect(token.length).toBeLessThanOrEqual(MAX_TASK_TOKEN_LENGTH);
    for (const i of [0, Math.floor(token.length / 2), token.length - 1]) {
      await invalidToken(svc.sendTaskSuccess(t.deps, { taskToken: altered(token, i), output: '{"approved":true}' }));
    }
    await stillWaiting(arn);
    await svc.sendTaskSuccess(t.deps, { taskToken: token, output: '{"approved":true}' });
    const done = await t.finished(arn);
    expect(done.status).toBe('SUCCEEDED');
    expect(JSON.parse(done.output!)).toEqual({ who: LONG_EXEC, answer: { approved: true } });
  });

  it('a token of another engine (another secret) is InvalidToken here', async () => {
    const { arn, wait } = await parked('other-engine');
    const foreign = new TaskTokens('z'.repeat(64), 'another engine').sign(arn, wait);
    await invalidToken(svc.sendTaskSuccess(t.deps, { taskToken: foreign, output: '{}' }));
    await stillWaiting(arn);
  });
});

describe('a local engine with a data folder', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'stepwright-tokens-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps its secret in a file of mode 0600, and a token issued before a restart answers after it', async () => {
    const handedOut = new Map<string, string>();
    const first = await startTestEngine({ dataDir: dir, tasks: { Park: (input: unknown, ctx) => void handedOut.set(ctx.executionArn, (input as { token: string }).token) } });
    let arn: string;
    try {
      const sm = await first.machine('parker', PARKER);
      arn = await first.start(sm, {}, 'before-restart');
      await until('the task token', () => handedOut.get(arn));
    } finally {
      await first.close();
    }
    const file = join(dir, TASK_TOKEN_SECRET_FILE);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const secret = readFileSync(file, 'utf8');

    const second = await startTestEngine({ dataDir: dir });
    try {
      await svc.sendTaskSuccess(second.deps, { taskToken: handedOut.get(arn)!, output: '"yes"' });
      const done = await second.finished(arn);
      expect(done.status).toBe('SUCCEEDED');
      expect(JSON.parse(done.output!)).toEqual({ answer: 'yes' });
    } finally {
      await second.close();
    }
    expect(readFileSync(file, 'utf8')).toBe(secret);
  });

  it('a data folder\'s secret does not answer another folder\'s engine', async () => {
    const other = mkdtempSync(join(tmpdir(), 'stepwright-tokens-other-'));
    const handedOut = new Map<string, string>();
    const a = await startTestEngine({ dataDir: dir, tasks: { Park: (input: unknown, ctx) => void handedOut.set(ctx.executionArn, (input as { token: string }).token) } });
    const b = await startTestEngine({ dataDir: other });
    try {
      const arn = await a.start(await a.machine('parker', PARKER), {}, 'x');
      const token = await until('the task token', () => handedOut.get(arn));
      // b has no such execution either, but the MAC is checked first: it says InvalidToken, not TaskDoesNotExist
      await invalidToken(svc.sendTaskSuccess(b.deps, { taskToken: token, output: '{}' }));
    } finally {
      await a.close();
      await b.close();
      rmSync(other, { recursive: true, force: true });
    }
  });
});

it('`stepwright run` hands a callback task a token signed with its per-process secret', async () => {
  let seen: string | undefined;
  const r = await runExecution({
    definition: PARKER as never,
    input: {},
    tasks: resolverFromTable({ Park: (input: unknown) => ((seen = (input as { token: string }).token), 'ok') }),
    fastTimers: true,
  });
  expect(r.status).toBe('SUCCEEDED');
  expect(processTaskTokens().verify(seen!)?.executionArn).toBe(r.executionArn);
});

describe('where the durable runtime gets its signer', () => {
  it('an engine without one says so instead of issuing or accepting tokens', async () => {
    await expect(taskTokensOf({})).rejects.toThrow('this engine has no task token secret (EngineDeps.taskTokens is not set)');
  });

  it('a loader (AWS: Secrets Manager) is read once, and read again after a failed read', async () => {
    let reads = 0;
    let fail = true;
    const load = loadOnce(async () => {
      reads++;
      if (fail) throw new Error('throttled');
      return new TaskTokens(SECRET, 'the test');
    });
    await expect(taskTokensOf({ taskTokens: load })).rejects.toThrow('throttled');
    fail = false;
    const first = await taskTokensOf({ taskTokens: load });
    const again = await taskTokensOf({ taskTokens: load });
    expect(again).toBe(first);
    expect(reads).toBe(2);
  });
});

/**
 * A store refuses a listing's nextToken or maxResults with its own errors (ports.ts); the API
 * operations turn them into the Step Functions API's InvalidToken and ValidationException, with the
 * store's message. The adapters know nothing of the API (see lambda/aws/dynamo-store.ts).
 */
import { InvalidPageSize, InvalidPageToken, pageSizeOf, type ExecutionStore } from '../../lambda/ports';
import { ApiError } from '../../lambda/runtime/api-errors';
import type { EngineDeps } from '../../lambda/runtime/deps';
import * as svc from '../../lambda/runtime/service';

const SM = 'arn:aws:states:us-east-1:123456789012:stateMachine:sm';
const EXEC = 'arn:aws:states:us-east-1:123456789012:execution:sm:e';

function depsRefusing(error: Error): EngineDeps {
  const refuse = async () => {
    throw error;
  };
  const store: Partial<ExecutionStore> = {
    listStateMachines: refuse,
    listExecutions: refuse,
    getHistory: refuse,
    getStateMachine: async () => ({ arn: SM }) as never,
    getExecution: async () => ({ executionArn: EXEC, stateMachineArn: SM, status: 'SUCCEEDED', version: 1 }) as never,
  };
  return { store, region: 'us-east-1', accountId: '123456789012' } as unknown as EngineDeps;
}

const calls: [string, (deps: EngineDeps) => Promise<unknown>][] = [
  ['ListStateMachines', (deps) => svc.listStateMachines(deps, { nextToken: 'x' })],
  ['ListExecutions', (deps) => svc.listExecutions(deps, { stateMachineArn: SM, nextToken: 'x' })],
  ['GetExecutionHistory', (deps) => svc.getExecutionHistory(deps, { executionArn: EXEC, nextToken: 'x' })],
];

describe.each(calls)('%s', (_name, call) => {
  it('a token the store refuses is InvalidToken', async () => {
    const e = await call(depsRefusing(new InvalidPageToken('x'))).catch((err: unknown) => err);
    expect(e).toBeInstanceOf(ApiError);
    expect(e).toMatchObject({ code: 'InvalidToken', message: "Invalid Token: 'x'" });
  });

  it('a page size the store refuses is ValidationException', async () => {
    const e = await call(depsRefusing(new InvalidPageSize(1001, 1000))).catch((err: unknown) => err);
    expect(e).toMatchObject({ code: 'ValidationException', message: 'maxResults must be an integer between 0 and 1000' });
  });

  it('any other store error passes through', async () => {
    const boom = new Error('network down');
    await expect(call(depsRefusing(boom))).rejects.toBe(boom);
  });
});

describe('maxResults, one rule for every listing (ports.pageSizeOf)', () => {
  it('0 or absent is a page of 100; 1 to 1000 as given; anything else is refused', () => {
    expect(pageSizeOf(undefined)).toBe(100);
    expect(pageSizeOf(0)).toBe(100);
    expect(pageSizeOf(1)).toBe(1);
    expect(pageSizeOf(1000)).toBe(1000);
    for (const bad of [1001, -1, 2.5, Number.NaN]) expect(() => pageSizeOf(bad)).toThrow(InvalidPageSize);
  });
});

/**
 * Issue #15 item 10: a Task resource Stepwright cannot run is refused at CreateStateMachine and
 * UpdateStateMachine (InvalidDefinition naming the Resource's JSON pointer), never at run time.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { taskResourceSupport, unsupportedTaskResources } from '../../lambda/runtime/integrations/support';
import { startTestEngine, type TestEngine } from './harness';
import * as svc from '../../lambda/runtime/service';
import { ApiError } from '../../lambda/runtime/api-errors';
import { loadConfig } from '../../lambda/local/config';
import { OPTIMIZED_INTEGRATIONS } from '../../lambda/runtime/integrations/resources';
import { integrationFor, serviceIntegrationFor } from '../../lambda/runtime/integrations';

describe('taskResourceSupport', () => {
  it.each([
    'arn:aws:lambda:us-east-1:123456789012:function:f',
    'arn:aws:lambda:us-east-1:123456789012:function:f:prod',
    'arn:aws:lambda:us-east-1:123456789012:function:f:7',
    'arn:aws:states:::lambda:invoke',
    'arn:aws:states:::lambda:invoke.waitForTaskToken',
    'arn:aws:states:::states:startExecution',
    'arn:aws:states:::states:startExecution.sync',
    'arn:aws:states:::states:startExecution.sync:2',
    'arn:aws:states:::states:startExecution.waitForTaskToken',
    'arn:aws:states:us-east-1:123456789012:activity:review',
    'arn:aws:states:::sqs:sendMessage',
    'arn:aws:states:::sqs:sendMessage.waitForTaskToken',
    'arn:aws:states:::sns:publish.waitForTaskToken',
    'arn:aws:states:::events:putEvents.waitForTaskToken',
    'arn:aws:states:::dynamodb:updateItem',
    'arn:aws-cn:states:::dynamodb:getItem',
    'arn:aws:states:::aws-sdk:s3:getObject',
    'local-task-name',
  ])('runs %s', (resource) => {
    expect(taskResourceSupport(resource)).toEqual({ ok: true });
  });

  it.each([
    ['arn:aws:states:::ecs:runTask.sync', /ECS tasks .* not supported/],
    ['arn:aws:states:::ecs:runTask', /ECS tasks/],
    ['arn:aws:states:::batch:submitJob.sync', /AWS Batch jobs/],
    ['arn:aws:states:::glue:startJobRun.sync', /AWS Glue job runs/],
    ['arn:aws:states:::aws-sdk:ecs:runTask', /ECS tasks/],
    ['arn:aws:states:::dynamodb:putItem.waitForTaskToken', /runs 'dynamodb:putItem' only/],
    ['arn:aws:states:::sqs:sendMessage.sync', /'sqs:sendMessage' and 'sqs:sendMessage.waitForTaskToken' only/],
    ['arn:aws:states:::aws-sdk:s3:getObject.sync', /not \.sync/],
    ['arn:aws:states:::dynamodb:query', /not a Task resource Stepwright can run/],
    ['arn:aws:s3:::bucket', /not a Task resource Stepwright can run/],
  ])('refuses %s, saying why', (resource, why) => {
    const support = taskResourceSupport(resource);
    expect(support.ok).toBe(false);
    expect(!support.ok && support.reason).toMatch(why);
  });

  it('refuses an aws-sdk service whose client package is missing, naming the package', () => {
    const support = taskResourceSupport('arn:aws:states:::aws-sdk:acmpca:deleteCertificateAuthority', { sdkClientInstalled: () => false });
    expect(!support.ok && support.reason).toContain('@aws-sdk/client-acm-pca');
  });

  it('refuses bare names where no local task table exists (the deployed engine)', () => {
    expect(taskResourceSupport('work', { allowBareNames: false }).ok).toBe(false);
  });

  it('finds unsupported resources in Parallel branches and Map processors, with their pointers', () => {
    const def = {
      StartAt: 'P',
      States: {
        P: { Type: 'Parallel', Branches: [{ StartAt: 'Run/1', States: { 'Run/1': { Type: 'Task', Resource: 'arn:aws:states:::ecs:runTask.sync', End: true } } }], Next: 'M' },
        M: { Type: 'Map', ItemProcessor: { StartAt: 'Q', States: { Q: { Type: 'Task', Resource: 'arn:aws:states:::dynamodb:scan', End: true } } }, End: true },
      },
    };
    expect(unsupportedTaskResources(def).map((i) => [i.pointer, i.stateName])).toEqual([
      ['/States/P/Branches/0/States/Run~11/Resource', 'Run/1'],
      ['/States/M/ItemProcessor/States/Q/Resource', 'Q'],
    ]);
  });
});

describe('the registry', () => {
  it('has a runner for every integration the validator lets through', () => {
    for (const [key] of OPTIMIZED_INTEGRATIONS) {
      const resource = `arn:aws:states:::${key}`;
      // lambda:invoke is the task invoker's (Lambda on AWS, local functions on a laptop)
      const runner = key === 'lambda:invoke' ? 'task invoker' : (integrationFor(resource) ?? serviceIntegrationFor(resource)) ? 'registry' : 'none';
      expect([key, runner]).toEqual([key, key === 'lambda:invoke' ? 'task invoker' : 'registry']);
    }
  });

  it('answers a resource named like an Object.prototype member with nothing', () => {
    expect(serviceIntegrationFor('arn:aws:states:::sqs:constructor')).toBeUndefined();
    expect(integrationFor('constructor')).toBeUndefined();
  });
});

describe('CreateStateMachine and UpdateStateMachine', () => {
  let t: TestEngine;
  beforeAll(async () => {
    t = await startTestEngine();
  });
  afterAll(() => t.close());

  const ecs = { StartAt: 'Run', States: { Run: { Type: 'Task', Resource: 'arn:aws:states:::ecs:runTask.sync', End: true } } };

  it('refuses an unsupported resource with InvalidDefinition naming its pointer', async () => {
    const err = await svc.createStateMachine(t.deps, { name: 'ecs', definition: JSON.stringify(ecs) }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).code).toBe('InvalidDefinition');
    expect((err as ApiError).message).toMatch(/\/States\/Run\/Resource: ECS tasks/);
  });

  it('refuses an aws-sdk task whose client package is not installed, naming the package', async () => {
    const def = { StartAt: 'T', States: { T: { Type: 'Task', Resource: 'arn:aws:states:::aws-sdk:textract:analyzeDocument', End: true } } };
    const err = await svc.createStateMachine(t.deps, { name: 'textract', definition: JSON.stringify(def) }).catch((e: unknown) => e);
    expect((err as ApiError).message).toContain('/States/T/Resource: ');
    expect((err as ApiError).message).toContain('@aws-sdk/client-textract');
  });

  it('accepts an aws-sdk task whose client package is installed', async () => {
    const def = { StartAt: 'T', States: { T: { Type: 'Task', Resource: 'arn:aws:states:::aws-sdk:s3:listBuckets', End: true } } };
    await expect(svc.createStateMachine(t.deps, { name: 's3', definition: JSON.stringify(def) })).resolves.toMatchObject({ stateMachineArn: expect.stringContaining(':s3') });
  });

  it('refuses the same on update, and keeps the machine as it was', async () => {
    const ok = { StartAt: 'P', States: { P: { Type: 'Pass', End: true } } };
    const { stateMachineArn } = await svc.createStateMachine(t.deps, { name: 'upd', definition: JSON.stringify(ok) });
    const err = await svc.updateStateMachine(t.deps, { stateMachineArn, definition: JSON.stringify(ecs) }).catch((e: unknown) => e);
    expect((err as ApiError).code).toBe('InvalidDefinition');
    expect((await t.deps.store.getStateMachine(stateMachineArn))?.definition).toBe(JSON.stringify(ok));
  });
});

describe('stepwright validate', () => {
  const cli = (file: string) => spawnSync(process.execPath, [join(__dirname, '../../bin/stepwright.js'), 'validate', file], { encoding: 'utf8' });
  const dir = mkdtempSync(join(tmpdir(), 'stepwright-validate-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('refuses an unsupported resource, exit 1, naming its pointer and why', () => {
    const file = join(dir, 'ecs.json');
    writeFileSync(file, JSON.stringify({ StartAt: 'Run', States: { Run: { Type: 'Task', Resource: 'arn:aws:states:::batch:submitJob.sync', End: true } } }));
    const r = cli(file);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('/States/Run/Resource: AWS Batch jobs');
  });

  it('accepts the supported integrations', () => {
    const file = join(dir, 'ok.json');
    writeFileSync(file, JSON.stringify({ StartAt: 'Send', States: { Send: { Type: 'Task', Resource: 'arn:aws:states:::sqs:sendMessage', Parameters: { QueueUrl: 'q', MessageBody: 'x' }, End: true } } }));
    const r = cli(file);
    expect([r.status, r.stdout.trim()]).toEqual([0, `${file}: valid`]);
  });
});

describe('the config\'s integrations section', () => {
  const dir = mkdtempSync(join(tmpdir(), 'stepwright-config-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const load = (integrations: unknown) => {
    const file = join(dir, 'stepwright.config.json');
    writeFileSync(file, JSON.stringify({ integrations }));
    return loadConfig(file);
  };

  it('is read as given', () => {
    expect(load({ sqs: { port: 0, queues: ['a', 'b.fifo'] }, endpoints: { sns: 'http://127.0.0.1:4566' } }).integrations).toEqual({ sqs: { port: 0, queues: ['a', 'b.fifo'] }, endpoints: { sns: 'http://127.0.0.1:4566' } });
  });

  it.each([
    [{ sqs: { port: 'x' } }, 'integrations.sqs.port: must be a port number'],
    [{ sqs: { queues: ['bad name'] } }, 'integrations.sqs.queues[0]: must be a queue name'],
    [{ endpoints: { sns: 'localhost:4566' } }, 'integrations.endpoints.sns: must be an http:// or https:// URL'],
    [{ queues: [] }, "integrations: unknown field 'queues'"],
  ])('names the field that is wrong: %j', (integrations, message) => {
    expect(() => load(integrations)).toThrow(message);
  });
});

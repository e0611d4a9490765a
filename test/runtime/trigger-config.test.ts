/** Trigger configuration, execution names and templates: the parts that need no engine. */
import { parseTriggerConfig, triggerConfigFromEnv } from '../../lambda/runtime/trigger-config';
import { triggerExecutionName } from '../../lambda/runtime/triggers';
import { compileTemplate } from '../../lambda/runtime/trigger-template';

const ARN = 'arn:aws:states:us-east-1:123456789012:stateMachine:orders';
// Step Functions' execution name rule (as service.ts enforces it)
const NAME = /^[^\s<>{}[\]?*"#%\\^|~`$&,;:/\u0000-\u001f\u007f-\u009f]{1,80}$/;

describe('parseTriggerConfig', () => {
  it('accepts the documented shape, as an object or JSON text', () => {
    const config = { stateMachineArn: ARN, inputMapping: { template: { id: '$.newImage.id', k: '/keys/pk' } }, batchInput: false, eventNames: ['INSERT', 'MODIFY'] };
    expect(parseTriggerConfig(config)).toEqual(config);
    expect(parseTriggerConfig(JSON.stringify({ stateMachineArn: ARN, inputMapping: 'data' }))).toEqual({ stateMachineArn: ARN, inputMapping: 'data' });
    expect(triggerConfigFromEnv({ STEPWRIGHT_TRIGGER: JSON.stringify({ stateMachineArn: ARN }) })).toEqual({ stateMachineArn: ARN });
  });

  it.each([
    ['not JSON', '{', /not JSON/],
    ['no ARN', {}, /stateMachineArn/],
    ['an execution ARN', { stateMachineArn: 'arn:aws:states:us-east-1:123456789012:execution:orders:x' }, /stateMachineArn/],
    ['an unknown mapping', { stateMachineArn: ARN, inputMapping: 'body' }, /inputMapping/],
    ['a bad JSONPath', { stateMachineArn: ARN, inputMapping: { template: { a: '$.a[' } } }, /inputMapping.template/],
    ['an unknown event name', { stateMachineArn: ARN, eventNames: ['UPSERT'] }, /eventNames/],
    ['a typo in a field name', { stateMachineArn: ARN, batchinput: true }, /unknown field\(s\) batchinput/],
  ])('refuses %s', (_what, raw, message) => {
    expect(() => parseTriggerConfig(raw)).toThrow(message);
  });

  it('says which variable is missing', () => {
    expect(() => triggerConfigFromEnv({})).toThrow(/STEPWRIGHT_TRIGGER is not set/);
  });
});

describe('triggerExecutionName', () => {
  it('is a valid, stable execution name that differs per identity', () => {
    const kinesisId = 'shardId-000000000006:49590338271490256608559692538361571095921575989136588898';
    const a = triggerExecutionName('kinesis', [kinesisId]);
    expect(a).toMatch(NAME);
    expect(a).toBe(triggerExecutionName('kinesis', [kinesisId]));
    expect(a).not.toBe(triggerExecutionName('kinesis', [kinesisId + '9']));
    expect(triggerExecutionName('dynamodb', [kinesisId])).toMatch(/^ddb-/);
    const batch = triggerExecutionName('dynamodb', Array.from({ length: 1000 }, (_, i) => `id-${i}`), true);
    expect(batch).toMatch(NAME);
    expect(batch.length).toBeLessThanOrEqual(80);
  });
});

describe('compileTemplate', () => {
  const view = { a: { b: [1, 2, 3] }, 'x/y': 'slash', 'm~n': 'tilde' };
  const raw = { meta: 'r' };
  it('resolves paths and pointers, keeps literals, leaves out what is missing', () => {
    const t = compileTemplate({ all: '$', b0: '$.a.b[0]', many: '$.a.b[1:]', p: '/a/b/2', esc1: '/x~1y', esc2: '/m~0n', raw: '$$.meta', lit: 'text', n: 5, nul: null, gone: '$.nope', gonePtr: '/a/b/9', arr: ['$.nope', '$.a.b[2]'] });
    expect(t(view, raw)).toEqual({ all: view, b0: 1, many: [2, 3], p: 3, esc1: 'slash', esc2: 'tilde', raw: 'r', lit: 'text', n: 5, nul: null, arr: [null, 3] });
  });
});

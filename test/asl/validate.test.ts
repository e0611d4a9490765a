/**
 * One test per kind of definition error: each asserts the exact JSON pointer of the issue and the words
 * of its message, and that a valid neighbour of the broken definition reports nothing.
 */
import { formatIssues, validateDefinition } from '../../lambda/asl/validate';

type Json = Record<string, unknown>;

/** A state machine starting at the first of `states`. */
function machine(states: Record<string, Json>, extra: Json = {}): Json {
  return { StartAt: Object.keys(states)[0], States: states, ...extra };
}

/** A state machine of one state called "S" (plus any others). */
function single(state: Json, extra: Json = {}, others: Record<string, Json> = {}): Json {
  return machine({ S: state, ...others }, extra);
}

const pass = (more: Json = {}): Json => ({ Type: 'Pass', End: true, ...more });
const task = (more: Json = {}): Json => ({ Type: 'Task', Resource: 'arn:aws:lambda:us-east-1:111111111111:function:f', End: true, ...more });
const processor = (states: Record<string, Json> = { I: pass() }): Json => ({ StartAt: Object.keys(states)[0], States: states });
const map = (more: Json = {}): Json => ({ Type: 'Map', ItemProcessor: processor(), End: true, ...more });
const jsonata = { QueryLanguage: 'JSONata' };

/** Asserts an issue at exactly `pointer` whose message contains every fragment. */
function expectIssue(def: unknown, pointer: string, ...fragments: string[]): void {
  const issues = validateDefinition(def);
  const match = issues.find((i) => i.pointer === pointer && fragments.every((f) => i.message.includes(f)));
  if (!match) throw new Error(`no issue at ${pointer} containing ${JSON.stringify(fragments)}; got:\n${formatIssues(issues)}`);
}

function expectValid(def: unknown): void {
  expect(formatIssues(validateDefinition(def))).toBe('');
}

describe('formatIssues', () => {
  it('prints one "pointer: message" line per issue', () => {
    const def = machine({ Check: { Type: 'Choice', Choices: [{ Variable: '$.x', IsPresent: true, Next: 'Nope' }], Default: 'Done' }, Done: { Type: 'Succeed' } });
    expect(formatIssues(validateDefinition(def))).toBe('/States/Check/Choices/0/Next: no state named "Nope"');
  });

  it('escapes "/" and "~" in state names (RFC 6901)', () => {
    expectIssue(machine({ 'a/b~c': pass({ Bogus: 1 }) }), '/States/a~1b~0c/Bogus', 'field "Bogus" is not supported in a Pass state');
  });
});

describe('top level', () => {
  it('accepts a minimal definition', () => expectValid(single(pass())));
  it('requires StartAt', () => expectIssue({ States: { S: pass() } }, '', 'missing required field "StartAt"'));
  it('requires States', () => expectIssue({ StartAt: 'S' }, '', 'missing required field "States"'));
  it('requires States to be an object', () => expectIssue({ StartAt: 'S', States: [] }, '/States', 'must be an object'));
  it('requires StartAt to name a state', () => expectIssue(machine({ S: pass() }, { StartAt: 'T' }), '/StartAt', 'no state named "T"'));
  it('reports unknown top-level fields by name', () => expectIssue(single(pass(), { Bogus: 1 }), '/Bogus', 'field "Bogus" is not supported'));
  it('checks Comment and Version are strings', () => {
    expectIssue(single(pass(), { Comment: 1 }), '/Comment', 'Comment must be a string');
    expectIssue(single(pass(), { Version: 1 }), '/Version', 'Version must be a string');
  });
  it('checks TimeoutSeconds is a positive integer', () => {
    expectIssue(single(pass(), { TimeoutSeconds: 0 }), '/TimeoutSeconds', 'at least 1');
    expectIssue(single(pass(), { TimeoutSeconds: 1.5 }), '/TimeoutSeconds', 'integer');
    expectValid(single(pass(), { TimeoutSeconds: 60, Version: '1.0', Comment: 'c' }));
  });
  it('checks QueryLanguage', () => {
    expectIssue(single(pass(), { QueryLanguage: 'XPath' }), '/QueryLanguage', 'must be "JSONPath" or "JSONata"');
    expectValid(single(pass(), { QueryLanguage: 'JSONata' }));
  });
});

describe('states', () => {
  it('requires Type', () => expectIssue(single({ End: true }), '/States/S', 'missing required field "Type"'));
  it('rejects an unknown Type', () => expectIssue(single({ Type: 'Sleep', End: true }), '/States/S/Type', 'unknown state type "Sleep"'));
  it('rejects a state that is not an object', () => expectIssue(single('Pass' as unknown as Json), '/States/S', 'must be an object'));
  it('reports unknown fields by name', () => expectIssue(single(task({ Resourse: 'x' })), '/States/S/Resourse', 'field "Resourse" is not supported in a Task state'));
  it('rejects Next/End on Choice, Succeed and Fail', () => {
    expectIssue(single({ Type: 'Succeed', End: true }), '/States/S/End', 'field "End" is not supported in a Succeed state');
    expectIssue(single({ Type: 'Fail', Next: 'S' }), '/States/S/Next', 'field "Next" is not supported in a Fail state');
  });
  it('requires exactly one of Next and End', () => {
    expectIssue(single({ Type: 'Pass' }), '/States/S', 'must have either "Next" or "End": true');
    expectIssue(single({ Type: 'Pass', End: true, Next: 'S' }), '/States/S', 'cannot have both "Next" and "End"');
    expectIssue(single({ Type: 'Pass', End: 'yes' }), '/States/S/End', 'End must be true');
  });
  it('requires Next to name an existing state', () => expectIssue(single({ Type: 'Pass', Next: 'Nope' }), '/States/S/Next', 'no state named "Nope"'));
  it('reports unreachable states', () => expectIssue(single(pass(), {}, { Orphan: pass() }), '/States/Orphan', 'not reachable from StartAt "S"'));
  it('counts Catch and Default targets as reachable', () => {
    expectValid(machine({
      T: task({ Catch: [{ ErrorEquals: ['States.ALL'], Next: 'Handler' }] }),
      Handler: { Type: 'Choice', Choices: [{ Variable: '$.x', IsPresent: true, Next: 'A' }], Default: 'B' },
      A: { Type: 'Succeed' },
      B: { Type: 'Fail' },
    }));
  });
  it('rejects duplicate state names, nested ones included', () => {
    const def = single({ Type: 'Parallel', Branches: [processor({ S: pass() })], End: true });
    expectIssue(def, '/States/S/Branches/0/States/S', 'duplicate state name "S"');
  });
  it('rejects state names longer than 80 characters', () => {
    const name = 'x'.repeat(81);
    expectIssue(machine({ [name]: pass() }), `/States/${name}`, 'longer than 80 characters');
  });
});

describe('Choice', () => {
  const choice = (rules: unknown, more: Json = {}) => machine({ C: { Type: 'Choice', Choices: rules, Default: 'D', ...more }, D: { Type: 'Succeed' } });
  it('accepts data-test and boolean rules', () => {
    expectValid(choice([
      { Variable: '$.n', NumericGreaterThan: 1, Next: 'D' },
      { And: [{ Variable: '$.s', StringMatches: 'a*' }, { Not: { Variable: '$.t', IsNull: true } }], Next: 'D' },
      { Variable: '$x', StringEqualsPath: '$$.Execution.Name', Next: 'D', Assign: { y: 1 } },
    ]));
  });
  it('requires Choices', () => expectIssue(machine({ C: { Type: 'Choice', Default: 'D' }, D: { Type: 'Succeed' } }), '/States/C', 'missing required field "Choices"'));
  it('requires Choices to be a non-empty array', () => expectIssue(choice([]), '/States/C/Choices', 'non-empty array'));
  it('requires Default to name a state', () => expectIssue(choice([{ Variable: '$.x', IsPresent: true, Next: 'D' }], { Default: 'Nope' }), '/States/C/Default', 'no state named "Nope"'));
  it('requires Next on top-level rules', () => expectIssue(choice([{ Variable: '$.x', IsPresent: true }]), '/States/C/Choices/0', 'missing required field "Next"'));
  it('rejects Next inside nested rules', () => {
    expectIssue(choice([{ Not: { Variable: '$.x', IsPresent: true, Next: 'D' }, Next: 'D' }]), '/States/C/Choices/0/Not/Next', 'only allowed on a top-level choice rule');
  });
  it('requires exactly one comparison operator', () => {
    expectIssue(choice([{ Variable: '$.x', StringEquals: 'a', IsString: true, Next: 'D' }]), '/States/C/Choices/0', 'exactly one comparison operator', '"StringEquals", "IsString"');
    expectIssue(choice([{ Variable: '$.x', Next: 'D' }]), '/States/C/Choices/0', 'needs a comparison operator');
  });
  it('requires Variable in JSONPath data-test rules', () => expectIssue(choice([{ StringEquals: 'a', Next: 'D' }]), '/States/C/Choices/0', 'missing required field "Variable"'));
  it('checks the operand type of each operator', () => {
    expectIssue(choice([{ Variable: '$.x', NumericEquals: '1', Next: 'D' }]), '/States/C/Choices/0/NumericEquals', 'must be a number');
    expectIssue(choice([{ Variable: '$.x', BooleanEquals: 'true', Next: 'D' }]), '/States/C/Choices/0/BooleanEquals', 'must be a boolean');
    expectIssue(choice([{ Variable: '$.x', TimestampEquals: '2016-13-01T00:00:00Z', Next: 'D' }]), '/States/C/Choices/0/TimestampEquals', 'ISO-8601 timestamp');
    expectIssue(choice([{ Variable: '$.x', StringEqualsPath: 'x', Next: 'D' }]), '/States/C/Choices/0/StringEqualsPath', 'not a valid JSONPath');
  });
  it('reports unknown operators by name', () => expectIssue(choice([{ Variable: '$.x', StringContains: 'a', Next: 'D' }]), '/States/C/Choices/0/StringContains', 'field "StringContains" is not supported in a choice rule'));
  it('checks And/Or/Not shapes', () => {
    expectIssue(choice([{ And: [], Next: 'D' }]), '/States/C/Choices/0/And', 'non-empty array');
    expectIssue(choice([{ Or: {}, Next: 'D' }]), '/States/C/Choices/0/Or', 'non-empty array');
    expectIssue(choice([{ Not: [], Next: 'D' }]), '/States/C/Choices/0/Not', 'Not must hold one choice rule');
    expectIssue(choice([{ And: [{ Variable: '$.a', IsNull: true }], Variable: '$.b', IsNull: true, Next: 'D' }]), '/States/C/Choices/0', 'exactly one of "And", "Or", "Not" or a comparison');
  });
  it('requires Condition in JSONata rules and rejects JSONPath operators there', () => {
    expectIssue(choice([{ Next: 'D' }], jsonata), '/States/C/Choices/0', 'missing required field "Condition"');
    expectIssue(choice([{ Variable: '$.x', IsPresent: true, Next: 'D' }], jsonata), '/States/C/Choices/0/Variable', 'JSONPath-only');
    expectIssue(choice([{ Condition: 'true', Next: 'D' }], jsonata), '/States/C/Choices/0/Condition', 'must be a JSONata expression');
    expectIssue(choice([{ Condition: '{% $states.input.x = %}', Next: 'D' }], jsonata), '/States/C/Choices/0/Condition', 'invalid JSONata expression');
    expectValid(choice([{ Condition: '{% $states.input.x = 1 %}', Next: 'D', Output: { a: '{% 1 %}' } }, { Condition: true, Next: 'D' }], jsonata));
  });
  it('rejects Condition in JSONPath rules', () => expectIssue(choice([{ Condition: '{% true %}', Next: 'D' }]), '/States/C/Choices/0/Condition', 'JSONata-only'));
});

describe('Retry and Catch', () => {
  const retry = (retriers: unknown) => single(task({ Retry: retriers }));
  const catching = (catchers: unknown) => machine({ S: task({ Catch: catchers }), H: pass() });
  it('accepts complete retriers', () => {
    expectValid(retry([{ ErrorEquals: ['E'], IntervalSeconds: 1, MaxAttempts: 0, BackoffRate: 1, MaxDelaySeconds: 5, JitterStrategy: 'FULL', Comment: 'c' }, { ErrorEquals: ['States.ALL'] }]));
  });
  it('requires Retry to be an array', () => expectIssue(retry({}), '/States/S/Retry', 'must be an array'));
  it('requires a non-empty ErrorEquals', () => {
    expectIssue(retry([{ MaxAttempts: 1 }]), '/States/S/Retry/0', 'missing required field "ErrorEquals"');
    expectIssue(retry([{ ErrorEquals: [] }]), '/States/S/Retry/0/ErrorEquals', 'non-empty array');
  });
  it('requires States.ALL alone and last', () => {
    expectIssue(retry([{ ErrorEquals: ['States.ALL', 'E'] }]), '/States/S/Retry/0/ErrorEquals', '"States.ALL" must appear alone');
    expectIssue(retry([{ ErrorEquals: ['States.ALL'] }, { ErrorEquals: ['E'] }]), '/States/S/Retry/0/ErrorEquals', 'must be the last one');
    expectIssue(catching([{ ErrorEquals: ['States.ALL'], Next: 'H' }, { ErrorEquals: ['E'], Next: 'H' }]), '/States/S/Catch/0/ErrorEquals', 'must be the last one');
  });
  it('checks retrier numbers and JitterStrategy', () => {
    expectIssue(retry([{ ErrorEquals: ['E'], MaxAttempts: -1 }]), '/States/S/Retry/0/MaxAttempts', 'at least 0');
    expectIssue(retry([{ ErrorEquals: ['E'], BackoffRate: 0.5 }]), '/States/S/Retry/0/BackoffRate', 'at least 1');
    expectIssue(retry([{ ErrorEquals: ['E'], IntervalSeconds: 0 }]), '/States/S/Retry/0/IntervalSeconds', 'at least 1');
    expectIssue(retry([{ ErrorEquals: ['E'], IntervalSeconds: 1.5 }]), '/States/S/Retry/0/IntervalSeconds', 'integer');
    expectIssue(retry([{ ErrorEquals: ['E'], MaxDelaySeconds: 0 }]), '/States/S/Retry/0/MaxDelaySeconds', 'at least 1');
    expectIssue(retry([{ ErrorEquals: ['E'], JitterStrategy: 'HALF' }]), '/States/S/Retry/0/JitterStrategy', '"FULL" or "NONE"');
    expectIssue(retry([{ ErrorEquals: ['E'], Next: 'S' }]), '/States/S/Retry/0/Next', 'not supported in a retrier');
  });
  it('requires a catcher Next naming a state', () => {
    expectIssue(catching([{ ErrorEquals: ['E'] }]), '/States/S/Catch/0', 'missing required field "Next"');
    expectIssue(catching([{ ErrorEquals: ['E'], Next: 'Nope' }]), '/States/S/Catch/0/Next', 'no state named "Nope"');
  });
  it('checks catcher ResultPath and Output by language', () => {
    expectIssue(catching([{ ErrorEquals: ['E'], Next: 'H', ResultPath: '$.a[*]' }]), '/States/S/Catch/0/ResultPath', 'not a valid reference path');
    expectIssue(catching([{ ErrorEquals: ['E'], Next: 'H', Output: {} }]), '/States/S/Catch/0/Output', 'JSONata-only');
    expectValid(machine({ S: task({ Catch: [{ ErrorEquals: ['E'], Next: 'H', Output: '{% $states.errorOutput %}', Assign: { e: '{% $states.errorOutput.Error %}' } }] }), H: pass() }, jsonata));
  });
});

describe('Wait', () => {
  const wait = (more: Json, extra: Json = {}) => single({ Type: 'Wait', End: true, ...more }, extra);
  it('accepts each way of waiting', () => {
    expectValid(wait({ Seconds: 0 }));
    expectValid(wait({ SecondsPath: '$.s' }));
    expectValid(wait({ Timestamp: '2016-03-14T01:59:00Z' }));
    expectValid(wait({ TimestampPath: '$t' }));
    expectValid(wait({ Seconds: '{% $states.input.s %}' }, jsonata));
  });
  it('requires exactly one of Seconds, SecondsPath, Timestamp, TimestampPath', () => {
    expectIssue(wait({}), '/States/S', 'exactly one of "Seconds", "SecondsPath", "Timestamp", "TimestampPath"');
    expectIssue(wait({ Seconds: 1, SecondsPath: '$.s' }), '/States/S', 'found "Seconds", "SecondsPath"');
  });
  it('checks the values', () => {
    expectIssue(wait({ Seconds: -1 }), '/States/S/Seconds', 'at least 0');
    expectIssue(wait({ Timestamp: '2016-03-14 01:59:00' }), '/States/S/Timestamp', 'ISO-8601 timestamp');
    expectIssue(wait({ SecondsPath: '$.a[?(@.b)]' }), '/States/S/SecondsPath', 'not a valid reference path');
    expectIssue(wait({ Seconds: 'ten' }, jsonata), '/States/S/Seconds', 'a number or a JSONata expression');
  });
});

describe('Fail', () => {
  it('makes Error/ErrorPath and Cause/CausePath mutually exclusive', () => {
    expectIssue(single({ Type: 'Fail', Error: 'E', ErrorPath: '$.e' }), '/States/S', '"Error" and "ErrorPath" are mutually exclusive');
    expectIssue(single({ Type: 'Fail', Cause: 'C', CausePath: '$.c' }), '/States/S', '"Cause" and "CausePath" are mutually exclusive');
  });
  it('accepts paths and intrinsic functions in ErrorPath/CausePath', () => {
    expectValid(single({ Type: 'Fail', ErrorPath: '$$.State.Name', CausePath: "States.Format('{}', $.Cause)" }));
  });
  it('checks ErrorPath syntax', () => expectIssue(single({ Type: 'Fail', ErrorPath: 'error' }), '/States/S/ErrorPath', 'neither a valid JSONPath nor an intrinsic function'));
  it('rejects ErrorPath in JSONata and checks Error expressions', () => {
    expectIssue(single({ Type: 'Fail', ErrorPath: '$.e' }, jsonata), '/States/S/ErrorPath', 'JSONPath-only');
    expectIssue(single({ Type: 'Fail', Error: '{% $states.input.( %}' }, jsonata), '/States/S/Error', 'invalid JSONata expression');
  });
});

describe('Task', () => {
  it('requires Resource', () => expectIssue(single({ Type: 'Task', End: true }), '/States/S', 'missing required field "Resource"'));
  it('makes timeouts and their paths exclusive', () => {
    expectIssue(single(task({ TimeoutSeconds: 5, TimeoutSecondsPath: '$.t' })), '/States/S', '"TimeoutSeconds" and "TimeoutSecondsPath" are mutually exclusive');
    expectIssue(single(task({ HeartbeatSeconds: 5, HeartbeatSecondsPath: '$.h' })), '/States/S', '"HeartbeatSeconds" and "HeartbeatSecondsPath" are mutually exclusive');
  });
  it('checks timeout values', () => {
    expectIssue(single(task({ TimeoutSeconds: 0 })), '/States/S/TimeoutSeconds', 'at least 1');
    expectIssue(single(task({ TimeoutSeconds: 10, HeartbeatSeconds: 10 })), '/States/S/HeartbeatSeconds', 'smaller than TimeoutSeconds');
    expectIssue(single(task({ TimeoutSecondsPath: 'timeout' })), '/States/S/TimeoutSecondsPath', "must start with '$'");
    expectValid(single(task({ TimeoutSeconds: '{% 5 %}', HeartbeatSeconds: 2 }), jsonata));
  });
});

describe('Map', () => {
  it('accepts ItemProcessor, Iterator and the distributed settings', () => {
    expectValid(single(map({ ItemsPath: '$.items', ItemSelector: { 'v.$': '$$.Map.Item.Value' }, MaxConcurrencyPath: '$.m', ToleratedFailurePercentage: 5 })));
    expectValid(single({ Type: 'Map', Iterator: processor(), Parameters: { 'i.$': '$$.Map.Item.Index' }, End: true }));
    expectValid(single(map({
      ItemProcessor: { ...processor(), ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'EXPRESS' } },
      ItemReader: { Resource: 'arn:aws:states:::s3:getObject', ReaderConfig: { InputType: 'JSON', MaxItems: 10 }, Parameters: { Bucket: 'b', Key: 'k' } },
      ItemBatcher: { MaxItemsPerBatch: 10, BatchInput: { 'x.$': '$.x' } },
      ResultWriter: { Resource: 'arn:aws:states:::s3:putObject', Parameters: { Bucket: 'b', Prefix: 'p' } },
      Label: 'Run',
    })));
    expectValid(single(map({ Items: '{% $states.input.list %}', MaxConcurrency: '{% 2 %}' }), jsonata));
  });
  it('requires exactly one of ItemProcessor and Iterator', () => {
    expectIssue(single({ Type: 'Map', End: true }), '/States/S', 'missing required field "ItemProcessor"');
    expectIssue(single(map({ Iterator: processor({ J: pass() }) })), '/States/S', '"ItemProcessor" and "Iterator" are mutually exclusive');
  });
  it('checks ProcessorConfig', () => {
    const config = (c: unknown) => single(map({ ItemProcessor: { ...processor(), ProcessorConfig: c } }));
    expectIssue(config({ Mode: 'PARALLEL' }), '/States/S/ItemProcessor/ProcessorConfig/Mode', '"INLINE" or "DISTRIBUTED"');
    expectIssue(config({ Mode: 'DISTRIBUTED', ExecutionType: 'FAST' }), '/States/S/ItemProcessor/ProcessorConfig/ExecutionType', '"STANDARD" or "EXPRESS"');
    expectIssue(config({ Mode: 'DISTRIBUTED' }), '/States/S/ItemProcessor/ProcessorConfig', 'missing required field "ExecutionType"');
  });
  it('validates the processor as a nested state machine', () => {
    expectIssue(single(map({ ItemProcessor: processor({ I: { Type: 'Pass', Next: 'S' } }) })), '/States/S/ItemProcessor/States/I/Next', 'no state named "S" in this');
    expectIssue(single(map({ ItemProcessor: { ...processor(), Version: '1.0' } })), '/States/S/ItemProcessor/Version', 'not supported in a Map ItemProcessor');
  });
  it('makes alternative fields exclusive', () => {
    expectIssue(single(map({ ItemSelector: {}, Parameters: {} })), '/States/S', '"ItemSelector" and "Parameters" are mutually exclusive');
    expectIssue(single(map({ MaxConcurrency: 1, MaxConcurrencyPath: '$.m' })), '/States/S', '"MaxConcurrency" and "MaxConcurrencyPath" are mutually exclusive');
    expectIssue(single(map({ ToleratedFailureCount: 1, ToleratedFailureCountPath: '$.c' })), '/States/S', '"ToleratedFailureCount" and "ToleratedFailureCountPath" are mutually exclusive');
  });
  it('checks item sources, limits and Label', () => {
    expectIssue(single(map({ ItemsPath: '$.items[*]' })), '/States/S/ItemsPath', 'not a valid reference path');
    expectIssue(single(map({ Items: [1] })), '/States/S/Items', 'JSONata-only');
    expectIssue(single(map({ ItemsPath: '$.items' }), jsonata), '/States/S/ItemsPath', 'JSONPath-only');
    expectIssue(single(map({ Items: 'list' }), jsonata), '/States/S/Items', 'must be an array or a JSONata expression');
    expectIssue(single(map({ MaxConcurrency: -1 })), '/States/S/MaxConcurrency', 'at least 0');
    expectIssue(single(map({ ToleratedFailurePercentage: 101 })), '/States/S/ToleratedFailurePercentage', 'at most 100');
    expectIssue(single(map({ Label: 'x'.repeat(41) })), '/States/S/Label', 'at most 40 characters');
  });
  it('checks ItemReader, ItemBatcher and ResultWriter', () => {
    expectIssue(single(map({ ItemReader: { Parameters: {} } })), '/States/S/ItemReader', 'missing required field "Resource"');
    expectIssue(single(map({ ItemReader: { Resource: 'r', ReaderConfig: { MaxItems: 1, MaxItemsPath: '$.m' } } })), '/States/S/ItemReader/ReaderConfig', '"MaxItems" and "MaxItemsPath" are mutually exclusive');
    expectIssue(single(map({ ItemBatcher: { MaxItemsPerBatch: 0 } })), '/States/S/ItemBatcher/MaxItemsPerBatch', 'at least 1');
    expectIssue(single(map({ ItemBatcher: { MaxItems: 1 } })), '/States/S/ItemBatcher/MaxItems', 'not supported in ItemBatcher');
    expectIssue(single(map({ ResultWriter: {} })), '/States/S/ResultWriter', 'needs "Resource" or "WriterConfig"');
  });
});

describe('Parallel', () => {
  const parallel = (branches: unknown) => single({ Type: 'Parallel', Branches: branches, End: true });
  it('requires a non-empty Branches array', () => {
    expectIssue(single({ Type: 'Parallel', End: true }), '/States/S', 'missing required field "Branches"');
    expectIssue(parallel([]), '/States/S/Branches', 'non-empty array');
  });
  it('validates each branch recursively', () => {
    expectIssue(parallel([processor({ A: pass() }), processor({ X: { Type: 'Pass', Next: 'Y' } })]), '/States/S/Branches/1/States/X/Next', 'no state named "Y"');
    expectIssue(parallel([{ States: { A: pass() } }]), '/States/S/Branches/0', 'missing required field "StartAt"');
    expectIssue(parallel(['branch']), '/States/S/Branches/0', 'must be an object');
  });
  it('forbids transitions out of a branch', () => {
    const def = machine({ P: { Type: 'Parallel', Branches: [processor({ A: { Type: 'Pass', Next: 'After' } })], Next: 'After' }, After: pass() });
    expectIssue(def, '/States/P/Branches/0/States/A/Next', 'cannot cross into or out of a Parallel branch');
  });
});

describe('JSONPath syntax', () => {
  it('accepts the forms AWS accepts', () => {
    expectValid(single(pass({
      InputPath: '$.a[0].b',
      OutputPath: null,
      ResultPath: "$.r['x y']",
      Parameters: {
        'a.$': '$.items[1:5].v',
        'b.$': "$.users[?(@.status == 0)]",
        'c.$': '$..name',
        'd.$': '$$.Execution.Input',
        'e.$': '$var.field[2]',
        'f.$': '$.delivery-partner',
        'g.$': "$['a','b']",
        nested: [{ 'h.$': '$[*]' }],
      },
    })));
  });
  it('checks InputPath and OutputPath', () => {
    expectIssue(single(pass({ InputPath: 'a.b' })), '/States/S/InputPath', 'InputPath "a.b" is not a valid JSONPath', "must start with '$'");
    expectIssue(single(pass({ OutputPath: '$.a[' })), '/States/S/OutputPath', "Expected ']'");
    expectIssue(single(pass({ OutputPath: 7 })), '/States/S/OutputPath', 'must be a JSONPath string or null');
  });
  it('requires ResultPath to be a reference path into the input', () => {
    expectIssue(single(pass({ ResultPath: '$.a[*]' })), '/States/S/ResultPath', 'not a valid reference path', 'wildcard');
    expectIssue(single(pass({ ResultPath: '$..a' })), '/States/S/ResultPath', 'deep scan');
    expectIssue(single(pass({ ResultPath: '$$.a' })), '/States/S/ResultPath', 'context object');
    expectIssue(single(pass({ ResultPath: '$v' })), '/States/S/ResultPath', 'variable');
  });
  it('checks ".$" values of payload templates, however nested', () => {
    expectIssue(single(pass({ Parameters: { deep: [{ 'x.$': 'x' }] } })), '/States/S/Parameters/deep/0/x.$', 'neither a valid JSONPath nor an intrinsic function');
    expectIssue(single(pass({ Parameters: { 'x.$': 1 } })), '/States/S/Parameters/x.$', 'must be a string');
    expectIssue(single(task({ ResultSelector: { 'x.$': '$.a..' } })), '/States/S/ResultSelector/x.$', "must not end with a '.'");
    expectIssue(single(map({ ItemSelector: { 'x.$': '$.a b' } })), '/States/S/ItemSelector/x.$', 'blank characters');
    expectIssue(single(task({ ResultSelector: 'x' })), '/States/S/ResultSelector', 'must be an object');
  });
  it('checks variable names in paths', () => expectIssue(single(pass({ InputPath: '$1x' })), '/States/S/InputPath', '"1x" is not a valid variable name'));
});

describe('intrinsic functions', () => {
  it('accepts well-formed calls', () => {
    expectValid(single(pass({ Parameters: { 'a.$': "States.Format('{} {}', $.a, States.ArrayLength($.b))", 'u.$': 'States.UUID()' } })));
  });
  it('reports intrinsic syntax errors in ".$" values', () => {
    expectIssue(single(pass({ Parameters: { 'a.$': "States.Format('x'" } })), '/States/S/Parameters/a.$', 'invalid intrinsic function');
    expectIssue(single(pass({ Assign: { 'a.$': 'States.NoSuchFunction(1)' } })), '/States/S/Assign/a.$', 'invalid intrinsic function "States.NoSuchFunction(1)"');
    expectIssue(single({ Type: 'Fail', CausePath: 'States.Format(1' }), '/States/S/CausePath', 'invalid intrinsic function');
  });
  it('checks the JSONPath syntax of path arguments', () => {
    expectIssue(single(pass({ Parameters: { 'a.$': "States.Format('{}', $.a b)" } })), '/States/S/Parameters/a.$', 'path argument "$.a b" is not a valid JSONPath');
  });
  it('treats "States." strings as literals outside ".$" fields and in JSONata states', () => {
    expectValid(single(pass({ Parameters: { a: 'States.Format(' } })));
    expectValid(single(pass({ Output: { 'a.$': 'States.Format(' } }), jsonata));
  });
});

describe('query languages', () => {
  it('rejects JSONPath-only fields in JSONata states', () => {
    expectIssue(single(pass({ InputPath: '$' }), jsonata), '/States/S/InputPath', 'field "InputPath" is JSONPath-only');
    expectIssue(single(pass({ QueryLanguage: 'JSONata', Parameters: {} })), '/States/S/Parameters', 'JSONPath-only');
    expectIssue(single(pass({ Result: 1 }), jsonata), '/States/S/Result', 'JSONPath-only');
  });
  it('rejects JSONata-only fields in JSONPath states', () => {
    expectIssue(single(task({ Arguments: {} })), '/States/S/Arguments', 'field "Arguments" is JSONata-only');
    expectIssue(single(pass({ Output: {} })), '/States/S/Output', 'JSONata-only');
  });
  it('lets states override the language, but not back to JSONPath under a JSONata top level', () => {
    expectValid(single(pass({ QueryLanguage: 'JSONata', Output: '{% $states.input %}' })));
    expectIssue(single(pass({ QueryLanguage: 'JSONPath' }), jsonata), '/States/S/QueryLanguage', 'cannot use JSONPath');
    expectIssue(single(pass({ QueryLanguage: 'jsonata' })), '/States/S/QueryLanguage', 'must be "JSONPath" or "JSONata"');
  });
  it('nested states inherit the language of their Map or Parallel state', () => {
    expectIssue(single(map({ QueryLanguage: 'JSONata', Items: [1], ItemProcessor: processor({ I: pass({ InputPath: '$' }) }) })), '/States/S/ItemProcessor/States/I/InputPath', 'JSONPath-only');
  });
  it('reports JSONata syntax errors in "{% %}" strings', () => {
    expectIssue(single(pass({ Output: { a: ['{% $states.input. %}'] } }), jsonata), '/States/S/Output/a/0', 'invalid JSONata expression', 'Unexpected end of expression');
    expectIssue(single(task({ Arguments: '{%%}' }), jsonata), '/States/S/Arguments', 'empty JSONata expression');
    expectValid(single(pass({ Output: { literal: ' {% not an expression %} ', path: '$.not.a.path' } }), jsonata));
  });
});

describe('Assign and variables', () => {
  it('accepts variables in both languages', () => {
    expectValid(single(pass({ Assign: { a: 1, 'b.$': '$.x', c: { 'd.$': 'States.UUID()' }, ñame: 'x' } })));
    expectValid(single(pass({ Assign: { a: '{% $states.input %}' } }), jsonata));
  });
  it('checks variable names', () => {
    expectIssue(single(pass({ Assign: { '1a': 1 } })), '/States/S/Assign/1a', '"1a" is not a valid variable name');
    expectIssue(single(pass({ Assign: { 'a-b.$': '$' } })), '/States/S/Assign/a-b.$', '"a-b" is not a valid variable name');
    expectIssue(single(pass({ Assign: { ['v'.repeat(81)]: 1 } })), `/States/S/Assign/${'v'.repeat(81)}`, 'not a valid variable name');
    expectIssue(single(pass({ Assign: { states: 1 } })), '/States/S/Assign/states', 'reserved');
  });
  it('checks Assign values and shape', () => {
    expectIssue(single(pass({ Assign: [] })), '/States/S/Assign', 'Assign must be an object');
    expectIssue(single(pass({ Assign: { 'a.$': 'nope' } })), '/States/S/Assign/a.$', 'neither a valid JSONPath');
    expectIssue(single(pass({ Assign: { a: '{% ) %}' } }), jsonata), '/States/S/Assign/a', 'invalid JSONata expression');
  });
  it('is not supported in Succeed and Fail states', () => {
    expectIssue(single({ Type: 'Succeed', Assign: {} }), '/States/S/Assign', 'field "Assign" is not supported in a Succeed state');
  });
});

describe('several issues at once', () => {
  it('reports every problem of a definition, not just the first', () => {
    const def = {
      StartAt: 'A',
      Extra: true,
      States: {
        A: { Type: 'Pass', Next: 'Missing', Bogus: 1 },
        B: { Type: 'Wait', End: true },
        C: { Type: 'Task', End: true },
      },
    };
    const pointers = validateDefinition(def).map((i) => i.pointer);
    expect(pointers).toEqual(expect.arrayContaining(['/Extra', '/States/A/Next', '/States/A/Bogus', '/States/B', '/States/C']));
    expect(pointers.length).toBeGreaterThanOrEqual(7); // plus B and C unreachable
  });
});

describe('garbage input', () => {
  it.each([
    ['undefined', undefined],
    ['null', null],
    ['a number', 42],
    ['a boolean', true],
    ['an array', [1, 2]],
    ['JSON text that is not an object', '[1]'],
  ])('reports %s as not a state machine without throwing', (_, value) => {
    expectIssue(value, '', 'must be an object');
  });
  it('reports text that is not JSON', () => expectIssue('{"StartAt":', '', 'not valid JSON'));
  it('parses JSON text', () => expectValid(JSON.stringify(single(pass()))));
  it('never throws on malformed nested values', () => {
    const values: unknown[] = [null, 1, 'x', true, [], {}, [null], [1, 'x'], { a: null }];
    const template = machine({
      C: { Type: 'Choice', Choices: [{ Variable: '$.x', IsPresent: true, Next: 'T' }], Default: 'T' },
      T: task({ Retry: [{ ErrorEquals: ['E'] }], Catch: [{ ErrorEquals: ['E'], Next: 'M' }], Next: 'M' }),
      M: map({ ItemReader: { Resource: 'r', ReaderConfig: {} }, ItemBatcher: {}, ResultWriter: { Resource: 'r' }, Next: 'P' }),
      P: { Type: 'Parallel', Branches: [processor({ X: pass() })], Next: 'W' },
      W: { Type: 'Wait', Seconds: 1, Next: 'F' },
      F: { Type: 'Fail' },
    });
    // Replace every node of the definition, one at a time, by each garbage value.
    const paths: (string | number)[][] = [];
    const collect = (node: unknown, at: (string | number)[]) => {
      if (node === null || typeof node !== 'object') return;
      for (const [k, v] of Object.entries(node)) {
        const key = Array.isArray(node) ? Number(k) : k;
        paths.push([...at, key]);
        collect(v, [...at, key]);
      }
    };
    collect(template, []);
    for (const at of paths) {
      for (const value of values) {
        const copy = JSON.parse(JSON.stringify(template));
        let parent = copy;
        for (const key of at.slice(0, -1)) parent = parent[key];
        parent[at[at.length - 1]] = value;
        const issues = validateDefinition(copy);
        expect(Array.isArray(issues)).toBe(true);
        expect(issues.filter((i) => i.message.startsWith('internal validator error'))).toEqual([]);
      }
    }
  });
});

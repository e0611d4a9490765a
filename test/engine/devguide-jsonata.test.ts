/**
 * The Developer Guide's page "Transforming data with JSONata in Step Functions", rule by rule: each
 * test names the section it comes from and checks what a definition can observe.
 */
import { createHash } from 'node:crypto';
import { failsWith, failure, FN, jsonata, output, problems, run } from './devguide-run';

const PAGE = 'Transforming data with JSONata';
const t = (section: string, rule: string) => `[${PAGE} › ${section}] ${rule}`;

describe(PAGE, () => {
  describe('Supported JSONata version', () => {
    test(t('Supported JSONata version', 'the built-in JSONata functions are available'), async () => {
      await expect(output(jsonata({ Output: "{% [$uppercase('ab'), $sum([1,2,3]), $string(12), $join(['a','b'], '-')] %}" }))).resolves.toEqual(['AB', 6, '12', 'a-b']);
    });

    test(t('Supported JSONata version', '$eval is not available: States.QueryEvaluationError pointing to $parse'), async () => {
      const f = await failure(jsonata({ Output: "{% $eval('1 + 1') %}" }));
      expect(f.error).toBe('States.QueryEvaluationError');
      expect(f.cause).toContain('$parse');
    });
  });

  describe('Fields of a JSONata state', () => {
    test(t('Converting from JSONPath', 'the five JSONPath fields are refused in a JSONata state'), () => {
      for (const field of ['InputPath', 'Parameters', 'ResultSelector', 'ResultPath', 'OutputPath']) {
        const value = field === 'Parameters' || field === 'ResultSelector' ? { a: 1 } : '$';
        const def = { QueryLanguage: 'JSONata', StartAt: 'T', States: { T: { Type: 'Task', Resource: FN('f'), [field]: value, End: true } } };
        expect(problems(def).map((p) => p.pointer)).toContain(`/States/T/${field}`);
      }
    });

    test(t('Converting from JSONPath', 'Arguments and Output are refused in a JSONPath state'), () => {
      const def = { StartAt: 'T', States: { T: { Type: 'Task', Resource: FN('f'), Arguments: { a: 1 }, Output: { b: 1 }, End: true } } };
      expect(problems(def).map((p) => p.pointer).sort()).toEqual(['/States/T/Arguments', '/States/T/Output']);
    });

    test(t('Converting from JSONPath', 'a string that is not {% %} is a literal: "$customerName" is not evaluated'), async () => {
      const def = {
        QueryLanguage: 'JSONata',
        StartAt: 'A',
        States: {
          A: { Type: 'Pass', Assign: { customerName: 'Ada' }, Next: 'B' },
          B: { Type: 'Pass', Output: { static: 'Hello', title: '{% $states.input.title %}', name: '{% $customerName %}', 'not-evaluated': '$customerName' }, End: true },
        },
      };
      await expect(output(def, { title: 'Dr' })).resolves.toEqual({ static: 'Hello', title: 'Dr', name: 'Ada', 'not-evaluated': '$customerName' });
    });

    test(t('QueryLanguage', 'a state can opt into JSONata inside a JSONPath state machine, the default'), async () => {
      const def = {
        StartAt: 'Path',
        States: {
          Path: { Type: 'Pass', Parameters: { 'n.$': '$.n' }, Next: 'Nata' },
          Nata: { Type: 'Pass', QueryLanguage: 'JSONata', Output: '{% $states.input.n * 2 %}', End: true },
        },
      };
      await expect(output(def, { n: 21 })).resolves.toBe(42);
    });

    test(t('QueryLanguage', 'with JSONata at the top level, a state cannot go back to JSONPath'), () => {
      const def = { QueryLanguage: 'JSONata', StartAt: 'P', States: { P: { Type: 'Pass', QueryLanguage: 'JSONPath', End: true } } };
      expect(problems(def).map((p) => p.pointer)).toEqual(['/States/P/QueryLanguage']);
    });

    test(t('Writing JSONata expressions', 'expressions are evaluated at any depth of objects and arrays; other values are kept'), async () => {
      const out = await output(jsonata({ Output: { a: [1, '{% 1 + 1 %}', { b: '{% $states.input.x %}' }], n: null, t: true } }), { x: 'deep' });
      expect(out).toEqual({ a: [1, 2, { b: 'deep' }], n: null, t: true });
    });

    test(t('Writing JSONata expressions', 'Output takes any JSON value, a whole expression included'), async () => {
      await expect(output(jsonata({ Output: 42 }))).resolves.toBe(42);
      await expect(output(jsonata({ Output: [1, 'two'] }))).resolves.toEqual([1, 'two']);
      await expect(output(jsonata({ Output: "{% 'text' %}" }))).resolves.toBe('text');
    });

    test(t('Writing JSONata expressions', 'there is no implicit input: a bare field name or $ at the top of an expression is undefined, an error'), async () => {
      for (const expr of ['{% title %}', '{% $ %}']) {
        const f = await failure(jsonata({ Output: expr }), { title: 'x' });
        expect(f.error).toBe('States.QueryEvaluationError');
      }
    });

    test(t('Writing JSONata expressions', 'an expression must produce a value: undefined fails with States.QueryEvaluationError'), async () => {
      const f = await failure(jsonata({ Output: { a: '{% $states.input.missing %}' } }));
      expect(f.error).toBe('States.QueryEvaluationError');
      expect(f.cause).toContain('$states.input.missing');
    });

    test(t('Writing JSONata expressions', 'an expression that cannot be evaluated fails the state with States.QueryEvaluationError, which Catch can handle'), async () => {
      const def = {
        QueryLanguage: 'JSONata',
        StartAt: 'T',
        States: {
          T: { Type: 'Task', Resource: FN('f'), Output: "{% $number('x') %}", Catch: [{ ErrorEquals: ['States.QueryEvaluationError'], Next: 'Handled', Output: '{% $states.errorOutput.Error %}' }], End: true },
          Handled: { Type: 'Pass', End: true },
        },
      };
      await expect(output(def, {}, { tasks: { f: () => 1 } })).resolves.toBe('States.QueryEvaluationError');
    });
  });

  describe('Reserved variable: $states', () => {
    test(t('Reserved variable $states', '$states.input is the original state input, also in Output after Arguments; $states.result the task result'), async () => {
      const def = { QueryLanguage: 'JSONata', StartAt: 'T', States: { T: { Type: 'Task', Resource: FN('f'), Arguments: { sent: '{% $states.input.a %}' }, Output: { input: '{% $states.input %}', result: '{% $states.result %}' }, End: true } } };
      await expect(output(def, { a: 1 }, { tasks: { f: (x) => ({ got: x }) } })).resolves.toEqual({ input: { a: 1 }, result: { got: { sent: 1 } } });
    });

    test(t('Reserved variable $states', 'without Output, a Task state outputs its result and a Pass state its input'), async () => {
      const def = { QueryLanguage: 'JSONata', StartAt: 'P', States: { P: { Type: 'Pass', Next: 'T' }, T: { Type: 'Task', Resource: FN('f'), End: true } } };
      await expect(output(def, { a: 1 }, { tasks: { f: (x) => ({ wrapped: x }) } })).resolves.toEqual({ wrapped: { a: 1 } });
    });

    test(t('Reserved variable $states', '$states.result is not there before the task ran: in Arguments it is undefined, an error'), async () => {
      const def = { QueryLanguage: 'JSONata', StartAt: 'T', States: { T: { Type: 'Task', Resource: FN('f'), Arguments: { r: '{% $states.result %}' }, End: true } } };
      expect((await failure(def, {}, { tasks: { f: (x) => x } })).error).toBe('States.QueryEvaluationError');
    });

    test(t('Reserved variable $states', '$states.errorOutput is the error output in a Catch (Output and Assign)'), async () => {
      const def = {
        QueryLanguage: 'JSONata',
        StartAt: 'T',
        States: {
          T: { Type: 'Task', Resource: FN('f'), Catch: [{ ErrorEquals: ['States.ALL'], Assign: { kind: '{% $states.errorOutput.Error %}' }, Output: '{% $states.errorOutput %}', Next: 'After' }], End: true },
          After: { Type: 'Pass', Output: { kind: '{% $kind %}', got: '{% $states.input %}' }, End: true },
        },
      };
      const tasks = { f: failsWith('Order.Missing', 'no order') };
      await expect(output(def, {}, { tasks })).resolves.toEqual({ kind: 'Order.Missing', got: { Error: 'Order.Missing', Cause: 'no order' } });
    });

    test(t('Reserved variable $states', '$states.context is the Context object'), async () => {
      await expect(output(jsonata({ Output: '{% $states.context.State.Name & "@" & $states.context.Execution.Name %}' }))).resolves.toBe('S@devguide');
    });
  });

  describe('Arguments', () => {
    test(t('Arguments', 'a Parallel state hands Arguments to every branch'), async () => {
      const def = {
        QueryLanguage: 'JSONata',
        StartAt: 'Par',
        States: {
          Par: {
            Type: 'Parallel',
            Arguments: { v: '{% $states.input.v + 1 %}' },
            Branches: [
              { StartAt: 'A', States: { A: { Type: 'Pass', Output: '{% $states.input.v %}', End: true } } },
              { StartAt: 'B', States: { B: { Type: 'Pass', Output: '{% $states.input.v * 10 %}', End: true } } },
            ],
            End: true,
          },
        },
      };
      await expect(output(def, { v: 1 })).resolves.toEqual([2, 20]);
    });
  });

  describe('JSONata functions provided by Step Functions', () => {
    test(t('JSONata functions', '$partition splits an array into chunks, the last one shorter'), async () => {
      await expect(output(jsonata({ Output: '{% $partition([1,2,3,4,5,6,7], 3) %}' }))).resolves.toEqual([[1, 2, 3], [4, 5, 6], [7]]);
    });

    test(t('JSONata functions', '$range(start, end, step) includes the end; a negative step counts down'), async () => {
      await expect(output(jsonata({ Output: '{% $range(0, 10, 2) %}' }))).resolves.toEqual([0, 2, 4, 6, 8, 10]);
      await expect(output(jsonata({ Output: '{% $range(3, 1, -1) %}' }))).resolves.toEqual([3, 2, 1]);
    });

    test(t('JSONata functions', '$hash(value, algorithm) with MD5, SHA-1, SHA-256, SHA-384 and SHA-512, as hex'), async () => {
      const algorithms = { MD5: 'md5', 'SHA-1': 'sha1', 'SHA-256': 'sha256', 'SHA-384': 'sha384', 'SHA-512': 'sha512' };
      for (const [name, node] of Object.entries(algorithms)) {
        await expect(output(jsonata({ Output: `{% $hash('input data', '${name}') %}` }))).resolves.toBe(createHash(node).update('input data').digest('hex'));
      }
      expect((await failure(jsonata({ Output: "{% $hash('x', 'SHA-3') %}" }))).error).toBe('States.QueryEvaluationError');
    });

    test(t('JSONata functions', '$random() is in [0, 1); $random(seed) gives the same number for the same seed'), async () => {
      const values = (await output(jsonata({ Output: '{% [$random(), $random(7), $random(7), $random(8)] %}' }), {}, { random: () => 0.25 })) as number[];
      expect(values[0]).toBe(0.25);
      expect(values[1]).toBe(values[2]);
      expect(values[3]).not.toBe(values[1]);
      for (const v of values) expect(v >= 0 && v < 1).toBe(true);
    });

    test(t('JSONata functions', '$uuid() is a version 4 UUID'), async () => {
      await expect(output(jsonata({ Output: '{% $uuid() %}' }))).resolves.toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    });

    test(t('JSONata functions', '$parse reads JSON text into a value'), async () => {
      await expect(output(jsonata({ Output: '{% $parse($states.input.text).a[1] %}' }), { text: '{"a":[1,2]}' })).resolves.toBe(2);
    });
  });

  describe('Fields that take an expression, and the type it must return', () => {
    const slow = { f: async (_x: unknown, ctx: { sleep(ms: number): Promise<void> }) => (await ctx.sleep(10_000), 'late') };

    test(t('Field types', 'Task TimeoutSeconds from an expression: the task times out with States.Timeout'), async () => {
      const def = { QueryLanguage: 'JSONata', StartAt: 'T', States: { T: { Type: 'Task', Resource: FN('f'), TimeoutSeconds: '{% $states.input.limit %}', End: true } } };
      const r = await run(def, { limit: 2 }, { tasks: slow });
      expect(r.status).toBe('FAILED');
      expect(r.error).toBe('States.Timeout');
      const scheduled = r.history.find((e) => e.type === 'LambdaFunctionScheduled')!;
      expect(scheduled.lambdaFunctionScheduledEventDetails).toMatchObject({ timeoutInSeconds: 2 });
    });

    test(t('Field types', 'Task TimeoutSeconds and HeartbeatSeconds must be positive integers'), async () => {
      for (const [field, expr] of [['TimeoutSeconds', "{% '5' %}"], ['TimeoutSeconds', '{% 1.5 %}'], ['HeartbeatSeconds', '{% 0 %}']]) {
        const def = { QueryLanguage: 'JSONata', StartAt: 'T', States: { T: { Type: 'Task', Resource: FN('f'), [field]: expr, End: true } } };
        const f = await failure(def, {}, { tasks: { f: () => 1 } });
        expect(f.error).toBe('States.QueryEvaluationError');
        expect(f.cause).toContain(`'${field}'`);
      }
    });

    test(t('Field types', 'Wait Seconds from an expression must be an integer'), async () => {
      await expect(output(jsonata({ Type: 'Wait', Seconds: '{% 1 + 1 %}' }), { kept: true })).resolves.toEqual({ kept: true });
      expect((await failure(jsonata({ Type: 'Wait', Seconds: "{% '5' %}" }))).error).toBe('States.QueryEvaluationError');
    });

    test(t('Field types', 'Choice Condition must be a boolean'), async () => {
      const def = { QueryLanguage: 'JSONata', StartAt: 'C', States: { C: { Type: 'Choice', Choices: [{ Condition: '{% $states.input.n %}', Next: 'D' }], Default: 'D' }, D: { Type: 'Succeed' } } };
      expect((await failure(def, { n: 1 })).error).toBe('States.QueryEvaluationError');
    });

    test(t('Field types', 'Map Items must be an array; MaxConcurrency an integer of 0 or more; ToleratedFailurePercentage 0 to 100'), async () => {
      const map = (extra: Record<string, unknown>) => ({
        QueryLanguage: 'JSONata',
        StartAt: 'M',
        States: { M: { Type: 'Map', Items: '{% $states.input.xs %}', ItemProcessor: { StartAt: 'P', States: { P: { Type: 'Pass', End: true } } }, End: true, ...extra } },
      });
      await expect(output(map({ MaxConcurrency: '{% 1 %}' }), { xs: [1, 2] })).resolves.toEqual([1, 2]);
      expect((await failure(map({}), { xs: 'not an array' })).error).toBe('States.QueryEvaluationError');
      expect((await failure(map({ MaxConcurrency: '{% 1.5 %}' }), { xs: [1] })).error).toBe('States.QueryEvaluationError');
      expect((await failure(map({ MaxConcurrency: '{% -1 %}' }), { xs: [1] })).error).toBe('States.QueryEvaluationError');
      const distributed = (pct: string) => ({
        QueryLanguage: 'JSONata',
        StartAt: 'M',
        States: { M: { Type: 'Map', ToleratedFailurePercentage: pct, ItemProcessor: { ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' }, StartAt: 'P', States: { P: { Type: 'Pass', End: true } } }, End: true } },
      });
      await expect(output(distributed('{% 12.5 %}'), [1])).resolves.toEqual([1]);
      expect((await failure(distributed('{% 101 %}'), [1])).error).toBe('States.QueryEvaluationError');
    });

    test(t('Field types', 'Fail Error and Cause from expressions'), async () => {
      const def = { QueryLanguage: 'JSONata', StartAt: 'F', States: { F: { Type: 'Fail', Error: "{% 'Order.' & $states.input.code %}", Cause: '{% $string($states.input.n) %}' } } };
      await expect(failure(def, { code: 'Missing', n: 7 })).resolves.toEqual({ error: 'Order.Missing', cause: '7' });
    });
  });
});

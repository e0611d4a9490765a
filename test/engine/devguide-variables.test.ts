/**
 * The Developer Guide's page "Passing data between states with variables", rule by rule, and what `$`
 * (JSONPath) or `$states` (JSONata) is in each field that can assign or read them. Each test names
 * the section it comes from.
 */
import { failsWith, failure, FN, output, problems, run } from './devguide-run';

const PAGE = 'Passing data between states with variables';
const t = (section: string, rule: string) => `[${PAGE} › ${section}] ${rule}`;

/** A definition that assigns in `state` (named S) and then shows the variables named in `names`. */
function showAfter(state: Record<string, unknown>, names: string[], extraStates: Record<string, unknown> = {}) {
  const params = Object.fromEntries(names.map((n) => [`${n}.$`, `$${n}`]));
  return { StartAt: 'S', States: { S: { ...state, Next: 'Show' }, Show: { Type: 'Pass', Parameters: params, End: true }, ...extraStates } };
}

describe(PAGE, () => {
  describe('States that support variables', () => {
    test(t('Conceptual overview', 'Pass, Task, Map, Parallel, Choice and Wait accept Assign; Succeed and Fail do not'), () => {
      const ok = {
        StartAt: 'P',
        States: {
          P: { Type: 'Pass', Assign: { a: 1 }, Next: 'W' },
          W: { Type: 'Wait', Seconds: 0, Assign: { b: 1 }, Next: 'C' },
          C: { Type: 'Choice', Assign: { c: 1 }, Choices: [{ Variable: '$.x', IsPresent: true, Assign: { d: 1 }, Next: 'T' }], Default: 'T' },
          T: { Type: 'Task', Resource: FN('f'), Assign: { e: 1 }, Next: 'M' },
          M: { Type: 'Map', Assign: { f: 1 }, ItemProcessor: { StartAt: 'I', States: { I: { Type: 'Pass', End: true } } }, Next: 'Par' },
          Par: { Type: 'Parallel', Assign: { g: 1 }, Branches: [{ StartAt: 'B', States: { B: { Type: 'Pass', End: true } } }], End: true },
        },
      };
      expect(problems(ok)).toEqual([]);
      expect(problems({ StartAt: 'S', States: { S: { Type: 'Succeed', Assign: { a: 1 } } } }).map((p) => p.pointer)).toEqual(['/States/S/Assign']);
      expect(problems({ StartAt: 'F', States: { F: { Type: 'Fail', Assign: { a: 1 } } } }).map((p) => p.pointer)).toEqual(['/States/F/Assign']);
    });

    test(t('Conceptual overview', 'a variable assigned in one step is read in any later step, not only the next'), async () => {
      const def = {
        StartAt: 'One',
        States: {
          One: { Type: 'Pass', Assign: { x: { api: 'data' } }, Next: 'Two' },
          Two: { Type: 'Pass', Result: 'unrelated', Next: 'Three' },
          Three: { Type: 'Pass', Parameters: { 'x.$': '$x', 'field.$': '$x.api' }, End: true },
        },
      };
      await expect(output(def)).resolves.toEqual({ x: { api: 'data' }, field: 'data' });
    });
  });

  describe('Reserved variable and names', () => {
    test(t('Reserved variable: $states', '"states" cannot be assigned'), () => {
      expect(problems({ StartAt: 'P', States: { P: { Type: 'Pass', Assign: { states: 1 }, End: true } } }).map((p) => p.pointer)).toEqual(['/States/P/Assign/states']);
    });

    test(t('Variable names', 'a name starts with a letter or underscore and holds letters, digits and underscores'), () => {
      const withName = (name: string) => problems({ StartAt: 'P', States: { P: { Type: 'Pass', Assign: { [name]: 1 }, End: true } } });
      expect(withName('_order1')).toEqual([]);
      expect(withName('orderTotal')).toEqual([]);
      for (const bad of ['1st', 'a-b', 'a.b', 'a b']) expect(withName(bad).length).toBeGreaterThan(0);
    });
  });

  describe('Assigning and reading', () => {
    test(t('Evaluation of Assign', 'all values of one Assign read the variables as they were before the state'), async () => {
      const def = {
        StartAt: 'A',
        States: {
          A: { Type: 'Pass', Assign: { x: 1 }, Next: 'B' },
          B: { Type: 'Pass', Assign: { x: 2, 'old.$': '$x' }, Next: 'C' },
          C: { Type: 'Pass', Parameters: { 'x.$': '$x', 'old.$': '$old' }, End: true },
        },
      };
      await expect(output(def)).resolves.toEqual({ x: 2, old: 1 });
    });

    test(t('Evaluation of Assign', 'JSONata: Output and Assign of one state both see the variables from before it'), async () => {
      const def = {
        QueryLanguage: 'JSONata',
        StartAt: 'A',
        States: {
          A: { Type: 'Pass', Assign: { x: 1 }, Next: 'B' },
          B: { Type: 'Pass', Assign: { x: 2, y: '{% $x %}' }, Output: { seen: '{% $x %}' }, Next: 'C' },
          C: { Type: 'Pass', Output: { x: '{% $x %}', y: '{% $y %}', input: '{% $states.input %}' }, End: true },
        },
      };
      await expect(output(def)).resolves.toEqual({ x: 2, y: 1, input: { seen: 1 } });
    });

    test(t('Referencing variables', 'JSONPath: $name and $name.path in a payload template; a variable never assigned fails with States.Runtime'), async () => {
      await expect(output(showAfter({ Type: 'Pass', Assign: { order: { id: 7 } } }, ['order']))).resolves.toEqual({ order: { id: 7 } });
      const f = await failure({ StartAt: 'P', States: { P: { Type: 'Pass', Parameters: { 'a.$': '$never' }, End: true } } });
      expect(f.error).toBe('States.Runtime');
    });

    test(t('Referencing variables', 'JSONPath: a Choice rule compares a variable'), async () => {
      const def = {
        StartAt: 'A',
        States: {
          A: { Type: 'Pass', Assign: { limit: 10 }, Next: 'C' },
          C: { Type: 'Choice', Choices: [{ Variable: '$limit', NumericGreaterThanPath: '$.n', Next: 'Under' }], Default: 'Over' },
          Under: { Type: 'Pass', Result: 'under', End: true },
          Over: { Type: 'Pass', Result: 'over', End: true },
        },
      };
      await expect(output(def, { n: 3 })).resolves.toBe('under');
      await expect(output(def, { n: 30 })).resolves.toBe('over');
    });
  });

  describe('What $ is in Assign (JSONPath states)', () => {
    test(t('Assign in JSONPath states', 'Task: $ is the raw task result, before ResultSelector; ResultSelector still shapes the output'), async () => {
      const def = showAfter({ Type: 'Task', Resource: FN('f'), ResultSelector: { 'total.$': '$.Payload.total' }, ResultPath: '$.r', Assign: { 'status.$': '$.StatusCode', 'total.$': '$.Payload.total' } }, ['status', 'total']);
      def.States.Show.Parameters['out.$'] = '$';
      const out = await output(def, { keep: 1 }, { tasks: { f: () => ({ StatusCode: 200, Payload: { total: 5 } }) } });
      expect(out).toEqual({ status: 200, total: 5, out: { keep: 1, r: { total: 5 } } });
    });

    test(t('Assign in JSONPath states', 'Map: $ is the array of iteration results, before ResultSelector'), async () => {
      const def = showAfter(
        { Type: 'Map', ItemProcessor: { StartAt: 'I', States: { I: { Type: 'Pass', Parameters: { 'v.$': '$' }, End: true } } }, ResultSelector: { 'n.$': 'States.ArrayLength($)' }, Assign: { 'first.$': '$[0].v', 'all.$': '$' } },
        ['first', 'all'],
      );
      await expect(output(def, [4, 5])).resolves.toEqual({ first: 4, all: [{ v: 4 }, { v: 5 }] });
    });

    test(t('Assign in JSONPath states', 'Parallel: $ is the array of branch results, before ResultSelector'), async () => {
      const def = showAfter(
        {
          Type: 'Parallel',
          Branches: [
            { StartAt: 'A', States: { A: { Type: 'Pass', Result: { a: 1 }, End: true } } },
            { StartAt: 'B', States: { B: { Type: 'Pass', Result: { b: 2 }, End: true } } },
          ],
          ResultSelector: { 'merged.$': '$[1]' },
          Assign: { 'a.$': '$[0].a', 'b.$': '$[1].b' },
        },
        ['a', 'b'],
      );
      await expect(output(def)).resolves.toEqual({ a: 1, b: 2 });
    });

    test(t('Assign in JSONPath states', 'Pass: $ is the state result (Result, or the input after Parameters)'), async () => {
      await expect(output(showAfter({ Type: 'Pass', Result: { r: 1 }, ResultPath: '$.x', Assign: { 'r.$': '$.r' } }, ['r']), { i: 1 })).resolves.toEqual({ r: 1 });
      await expect(output(showAfter({ Type: 'Pass', InputPath: '$.in', Parameters: { 'p.$': '$.v' }, Assign: { 'p.$': '$.p' } }, ['p']), { in: { v: 3 } })).resolves.toEqual({ p: 3 });
    });

    test(t('Assign in JSONPath states', 'Wait and Choice: $ is the state input after InputPath; a Choice rule Assign too, and it wins over the state Assign'), async () => {
      await expect(output(showAfter({ Type: 'Wait', Seconds: 0, InputPath: '$.a', Assign: { 'v.$': '$.b' } }, ['v']), { a: { b: 1 } })).resolves.toEqual({ v: 1 });
      const def = {
        StartAt: 'C',
        States: {
          C: { Type: 'Choice', InputPath: '$.a', Assign: { 'v.$': '$.b', w: 'state' }, Choices: [{ Variable: '$.b', NumericEquals: 1, Assign: { w: 'rule', 'b.$': '$.b' }, Next: 'Show' }], Default: 'Show' },
          Show: { Type: 'Pass', Parameters: { 'v.$': '$v', 'w.$': '$w', 'b.$': '$b' }, End: true },
        },
      };
      await expect(output(def, { a: { b: 1 } })).resolves.toEqual({ v: 1, w: 'rule', b: 1 });
    });

    test(t('Assign in JSONPath states', 'Catch: $ is the error output; the failed state\'s own Assign is not applied'), async () => {
      const def = {
        StartAt: 'T',
        States: {
          T: { Type: 'Task', Resource: FN('f'), Assign: { own: 'never' }, Catch: [{ ErrorEquals: ['States.ALL'], Assign: { 'err.$': '$.Error', 'why.$': '$.Cause' }, Next: 'Show' }], End: true },
          Show: { Type: 'Pass', Parameters: { 'err.$': '$err', 'why.$': '$why' }, Next: 'Own' },
          Own: { Type: 'Pass', Parameters: { 'own.$': '$own' }, End: true },
        },
      };
      const r = await run(def, {}, { tasks: { f: failsWith('Boom', 'because') } });
      expect(r.status).toBe('FAILED');
      expect(r.error).toBe('States.Runtime');
      expect(r.cause).toContain('$own');
      const shown = r.history.find((e) => e.type === 'PassStateExited' && (e.stateExitedEventDetails as { name: string }).name === 'Show')!;
      expect(JSON.parse((shown.stateExitedEventDetails as { output: string }).output)).toEqual({ err: 'Boom', why: 'because' });
    });

    test(t('Assign in JSONPath states', '$$ (the Context object) can be read in Assign'), async () => {
      await expect(output(showAfter({ Type: 'Pass', Assign: { 'state.$': '$$.State.Name' } }, ['state']))).resolves.toEqual({ state: 'S' });
    });
  });

  describe('What $states is in Assign (JSONata states)', () => {
    test(t('Assign in JSONata states', 'Task: $states.result is the task result, $states.input the state input'), async () => {
      const def = {
        QueryLanguage: 'JSONata',
        StartAt: 'T',
        States: {
          T: { Type: 'Task', Resource: FN('f'), Assign: { r: '{% $states.result.n %}', i: '{% $states.input.k %}' }, Output: 'replaced', Next: 'Show' },
          Show: { Type: 'Pass', Output: { r: '{% $r %}', i: '{% $i %}', out: '{% $states.input %}' }, End: true },
        },
      };
      await expect(output(def, { k: 'in' }, { tasks: { f: () => ({ n: 9 }) } })).resolves.toEqual({ r: 9, i: 'in', out: 'replaced' });
    });

    test(t('Assign in JSONata states', 'Map and Parallel: $states.result is the array of results'), async () => {
      const def = {
        QueryLanguage: 'JSONata',
        StartAt: 'M',
        States: {
          M: { Type: 'Map', Items: '{% $states.input %}', ItemProcessor: { StartAt: 'I', States: { I: { Type: 'Pass', Output: '{% $states.input * 2 %}', End: true } } }, Assign: { doubled: '{% $states.result %}' }, Next: 'P' },
          P: { Type: 'Parallel', Branches: [{ StartAt: 'B', States: { B: { Type: 'Pass', Output: 'b', End: true } } }], Assign: { branches: '{% $states.result %}' }, Next: 'Show' },
          Show: { Type: 'Pass', Output: { doubled: '{% $doubled %}', branches: '{% $branches %}' }, End: true },
        },
      };
      await expect(output(def, [1, 2])).resolves.toEqual({ doubled: [2, 4], branches: ['b'] });
    });
  });

  describe('What $states and variables are in the other JSONata fields', () => {
    test(t('Reserved variable: $states', 'Condition, a Choice rule\'s Assign and Output, Seconds, Items and ItemSelector read $states.input and the variables'), async () => {
      const def = {
        QueryLanguage: 'JSONata',
        StartAt: 'A',
        States: {
          A: { Type: 'Pass', Assign: { wait: 0, tag: 't' }, Next: 'C' },
          C: { Type: 'Choice', Choices: [{ Condition: '{% $states.input.go and $tag = "t" %}', Assign: { picked: '{% $states.input.n %}' }, Output: { xs: '{% $states.input.xs %}' }, Next: 'W' }], Default: 'W' },
          W: { Type: 'Wait', Seconds: '{% $wait %}', Next: 'M' },
          M: { Type: 'Map', Items: '{% $states.input.xs %}', ItemSelector: { v: '{% $states.context.Map.Item.Value %}', picked: '{% $picked %}', tag: '{% $tag %}' }, ItemProcessor: { StartAt: 'I', States: { I: { Type: 'Pass', End: true } } }, End: true },
        },
      };
      await expect(output(def, { go: true, n: 5, xs: ['a'] })).resolves.toEqual([{ v: 'a', picked: 5, tag: 't' }]);
    });

    test(t('Reserved variable: $states', 'Fail Error and Cause read $states.input and the variables'), async () => {
      const def = {
        QueryLanguage: 'JSONata',
        StartAt: 'A',
        States: { A: { Type: 'Pass', Assign: { code: 'Missing' }, Next: 'F' }, F: { Type: 'Fail', Error: "{% 'Order.' & $code %}", Cause: '{% $states.input.why %}' } },
      };
      await expect(failure(def, { why: 'gone' })).resolves.toEqual({ error: 'Order.Missing', cause: 'gone' });
    });
  });

  describe('Variable scope', () => {
    test(t('Variable scope', 'Map iterations and Parallel branches read variables of the outer scope'), async () => {
      const def = {
        StartAt: 'A',
        States: {
          A: { Type: 'Pass', Assign: { rate: 3 }, Next: 'M' },
          M: { Type: 'Map', ItemProcessor: { StartAt: 'I', States: { I: { Type: 'Pass', Parameters: { 'item.$': '$', 'rate.$': '$rate' }, End: true } } }, Next: 'P' },
          P: { Type: 'Parallel', Branches: [{ StartAt: 'B', States: { B: { Type: 'Pass', Parameters: { 'rate.$': '$rate' }, End: true } } }], ResultPath: '$[0].branch', End: true },
        },
      };
      await expect(output(def, [1])).resolves.toEqual([{ item: 1, rate: 3, branch: [{ rate: 3 }] }]);
    });

    test(t('Variable scope', 'a variable assigned inside a Map iteration is not visible after the Map'), async () => {
      const def = {
        StartAt: 'M',
        States: {
          M: { Type: 'Map', ItemProcessor: { StartAt: 'I', States: { I: { Type: 'Pass', Assign: { inner: 1 }, End: true } } }, Next: 'After' },
          After: { Type: 'Pass', Parameters: { 'inner.$': '$inner' }, End: true },
        },
      };
      const f = await failure(def, [1]);
      expect(f.error).toBe('States.Runtime');
      expect(f.cause).toContain('$inner');
    });

    test(t('Variable scope', 'each Map iteration has its own scope: iterations do not see each other\'s variables'), async () => {
      const def = {
        StartAt: 'M',
        States: {
          M: {
            Type: 'Map',
            MaxConcurrency: 1,
            ItemProcessor: {
              StartAt: 'Set',
              States: {
                Set: { Type: 'Pass', Assign: { 'mine.$': '$' }, Next: 'Get' },
                Get: { Type: 'Pass', Parameters: { 'mine.$': '$mine' }, End: true },
              },
            },
            End: true,
          },
        },
      };
      await expect(output(def, ['a', 'b', 'c'])).resolves.toEqual([{ mine: 'a' }, { mine: 'b' }, { mine: 'c' }]);
    });
  });
});

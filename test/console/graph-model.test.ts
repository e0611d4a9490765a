/**
 * The graph the console and `stepwright graph` draw, and the reading of a history into state runs:
 * nested groups for Parallel and Map, Choice rules and Catch on edges, Retry on nodes, Start and End;
 * a layout that places every node inside its group; succeeded, caught, retried and failed states from
 * a real execution's history.
 */
import { allNodes, buildGraph, layoutGraph, ruleText, type LaidNode } from '../../lambda/local/console-graph';
import { renderSvg } from '../../lambda/local/console-graph-render';
import { stateRuns } from '../../lambda/local/console-history';
import { startTestEngine, FN } from '../runtime/harness';

const definition = {
  StartAt: 'Check',
  States: {
    Check: { Type: 'Choice', Choices: [{ And: [{ Variable: '$.n', NumericGreaterThan: 1 }, { Variable: '$.name', IsPresent: true }], Next: 'Fan' }], Default: 'Stop' },
    Fan: {
      Type: 'Parallel',
      Branches: [
        { StartAt: 'Flaky', States: { Flaky: { Type: 'Task', Resource: FN('Flaky'), Retry: [{ ErrorEquals: ['Oops'], MaxAttempts: 2, IntervalSeconds: 1 }], End: true } } },
        { StartAt: 'Each', States: { Each: { Type: 'Map', ItemsPath: '$.items', ItemProcessor: { StartAt: 'Item', States: { Item: { Type: 'Pass', End: true } } }, End: true } } },
      ],
      Catch: [{ ErrorEquals: ['States.ALL'], Next: 'Stop' }],
      Next: 'Broken',
    },
    Broken: { Type: 'Task', Resource: FN('Broken'), Catch: [{ ErrorEquals: ['Bad'], Next: 'Stop' }], End: true },
    Stop: { Type: 'Fail', Error: 'Stopped' },
  },
};

describe('the graph model', () => {
  const g = buildGraph(definition);
  const byId = new Map(allNodes(g.nodes).map((n) => [n.id, n]));

  it('has one node per state, Start and End per machine, and groups for branches and item processors', () => {
    const states = allNodes(g.nodes).filter((n) => n.kind === 'state').map((n) => n.id);
    expect(states.sort()).toEqual(['Broken', 'Check', 'Each', 'Fan', 'Flaky', 'Item', 'Stop']);
    expect(byId.get('Fan')!.children!.map((c) => c.id)).toEqual(['Fan#branch0', 'Fan#branch1']);
    expect(byId.get('Fan#branch1')!.children!.map((c) => c.id)).toEqual(['Fan#branch1#start', 'Each', 'Fan#branch1#end']);
    expect(byId.get('Each')!.children![0].children!.map((c) => c.id)).toEqual(['Each#items#start', 'Item', 'Each#items#end']);
    expect(byId.get('Flaky')!.retry).toBe('Retry: Oops ×2');
    expect(byId.get('Item')!.pointer).toBe('/States/Fan/Branches/1/States/Each/ItemProcessor/States/Item');
  });

  it('labels Choice rules, Default and Catch edges', () => {
    const edges = g.edges.map((e) => `${e.from} -${e.kind}${e.label ? `(${e.label})` : ''}-> ${e.to}`);
    expect(edges).toEqual(expect.arrayContaining([
      'root#start -next-> Check',
      'Check -choice($.n > 1 and $.name is present)-> Fan',
      'Check -default(Default)-> Stop',
      'Fan -catch(Catch States.ALL)-> Stop',
      'Broken -catch(Catch Bad)-> Stop',
      'Stop -next-> root#end',
    ]));
    expect(ruleText({ Not: { Variable: '$.a', StringEqualsPath: '$.b' } })).toBe('not ($.a == $.b)');
    expect(ruleText({ Condition: '{% $states.input.x > 3 %}' })).toBe('$states.input.x > 3');
  });

  it('draws what it can of a definition being typed', () => {
    const partial = buildGraph({ StartAt: 'A', States: { A: { Type: 'Pass', Next: 'Missing' }, B: 'not a state' } });
    expect(allNodes(partial.nodes).filter((n) => n.kind === 'state').map((n) => n.id)).toEqual(['A', 'B']);
    expect(partial.edges.map((e) => e.to)).toEqual(['A']);
  });

  it('lays every node out inside the group that holds it', async () => {
    const laid = await layoutGraph(g);
    const inside = (outer: LaidNode, inner: LaidNode) => inner.x >= outer.x && inner.y >= outer.y && inner.x + inner.width <= outer.x + outer.width && inner.y + inner.height <= outer.y + outer.height;
    const check = (n: LaidNode) => {
      for (const c of n.children ?? []) {
        expect(inside(n, c)).toBe(true);
        check(c);
      }
    };
    laid.nodes.forEach(check);
    expect(laid.edges.every((e) => e.points.length >= 2)).toBe(true);
    const svg = renderSvg(laid);
    expect(svg.match(/data-kind="state"/g)).toHaveLength(7);
    expect(svg).toContain('stroke-dasharray="5 3"'); // Catch edges dashed
  });
});

describe('state runs from a real history', () => {
  it('tells succeeded, retried, caught and failed states apart', async () => {
    let calls = 0;
    // inline: branches and items run in the parent, so its history holds their states (spread ones
    // run as child executions with histories of their own)
    const t = await startTestEngine({
      fanOut: 'inline',
      tasks: {
        Flaky: () => {
          if (++calls === 1) throw Object.assign(new Error('first time'), { name: 'Oops' });
          return 'ok';
        },
        Broken: () => {
          throw Object.assign(new Error('always'), { name: 'Bad' });
        },
      },
    });
    try {
      const arn = await t.start(await t.machine('graph-runs', definition), { n: 2, name: 'x', items: [1, 2] });
      expect((await t.finished(arn)).status).toBe('FAILED');
      const runs = stateRuns(await t.history(arn));
      expect(runs.get('Check')).toMatchObject({ status: 'succeeded' });
      expect(runs.get('Flaky')).toMatchObject({ status: 'succeeded', retries: 1 });
      expect(runs.get('Fan')).toMatchObject({ status: 'succeeded' });
      expect(runs.get('Broken')).toMatchObject({ status: 'caught', error: 'Bad' });
      expect(runs.get('Stop')).toMatchObject({ status: 'failed', error: 'Stopped' });
      expect(runs.get('Stop')!.input).toBeDefined();
    } finally {
      await t.close();
    }
  });
});

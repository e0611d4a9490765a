/**
 * The visual editor: the definition as JSON beside its live graph. As you type, the same validator
 * the server runs (bundled into the page) lists every problem at its JSON pointer and marks the state
 * it belongs to on the graph; a palette adds states; the result is saved as a new state machine or as
 * a new version (revision) of the one being edited.
 */
import { api, enc } from './api';
import { fill, h } from './dom';
import { GraphView } from './graph-view';
import { validateDefinition, type ValidationIssue } from '../lambda/asl/validate';
import { allNodes, buildGraph } from '../lambda/local/console-graph';

const TEMPLATES: Record<string, Record<string, unknown>> = {
  Pass: { Type: 'Pass', End: true },
  Task: { Type: 'Task', Resource: 'arn:aws:lambda:us-east-1:123456789012:function:MyFunction', End: true },
  Choice: { Type: 'Choice', Choices: [{ Variable: '$.value', NumericGreaterThan: 0, Next: 'REPLACE' }], Default: 'REPLACE' },
  Wait: { Type: 'Wait', Seconds: 1, End: true },
  Parallel: { Type: 'Parallel', Branches: [{ StartAt: 'BranchStep', States: { BranchStep: { Type: 'Pass', End: true } } }], End: true },
  Map: { Type: 'Map', ItemProcessor: { ProcessorConfig: { Mode: 'INLINE' }, StartAt: 'ItemStep', States: { ItemStep: { Type: 'Pass', End: true } } }, End: true },
  Succeed: { Type: 'Succeed' },
  Fail: { Type: 'Fail', Error: 'MyError', Cause: 'Something went wrong' },
};

const STARTER = { Comment: 'A new state machine', StartAt: 'Hello', States: { Hello: { Type: 'Pass', Result: { hello: 'world' }, End: true } } };

/** The state a problem belongs to: the deepest node whose pointer starts the problem's pointer. */
export function nodeOfPointer(definition: unknown, pointer: string): string | undefined {
  let best: { id: string; len: number } | undefined;
  for (const n of allNodes(buildGraph(definition).nodes)) {
    if (n.kind !== 'state') continue;
    if ((pointer === n.pointer || pointer.startsWith(`${n.pointer}/`)) && (!best || n.pointer.length > best.len)) best = { id: n.id, len: n.pointer.length };
  }
  return best?.id;
}

export async function editorPage(root: HTMLElement, name: string | undefined): Promise<void> {
  const existing = name ? await api<{ definition: unknown }>('GET', `/state-machines/${enc(name)}`) : undefined;
  const text = h('textarea', { id: 'definition', spellcheck: 'false', rows: 30 });
  text.value = JSON.stringify(existing?.definition ?? STARTER, null, 2);
  const problems = h('ul', { id: 'problems', class: 'problems' });
  const graph = new GraphView(h('div', { id: 'editor-graph' }));
  const nameInput = h('input', { id: 'machine-name', placeholder: 'new-machine-name', value: name ? `${name}-copy` : '' });
  const saved = h('span', { id: 'saved', class: 'muted' });
  let timer: ReturnType<typeof setTimeout> | undefined;
  let version = 0;

  fill(
    root,
    h('h1', {}, name ? `Edit ${name}` : 'New state machine'),
    h('div', { class: 'palette' }, 'Add: ', ...Object.keys(TEMPLATES).map((t) => h('button', { 'data-add': t, onclick: () => add(t) }, t))),
    h('div', { class: 'columns editor' }, h('div', {}, text, problems), h('div', {}, graph.el)),
    h('div', { class: 'save' },
      name ? h('button', { id: 'save-version', onclick: () => void save('version') }, `Save as a new version of ${name}`) : null,
      ' ', nameInput, ' ', h('button', { id: 'save-new', onclick: () => void save('new') }, 'Save as a new state machine'), ' ', saved),
  );

  text.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(() => void check(), 250);
  });

  /** Parses, validates and redraws; a newer keystroke's check wins over an older one still laying out. */
  async function check(): Promise<void> {
    const mine = ++version;
    let def: unknown;
    try {
      def = JSON.parse(text.value);
    } catch (e) {
      fill(problems, h('li', { 'data-pointer': '' }, h('b', {}, 'JSON: '), (e as Error).message));
      return;
    }
    const issues = validateDefinition(def);
    const byNode = new Map<string, string[]>();
    for (const i of issues) {
      const id = nodeOfPointer(def, i.pointer);
      if (id !== undefined) byNode.set(id, [...(byNode.get(id) ?? []), `${i.pointer}: ${i.message}`]);
    }
    showIssues(issues);
    if (mine === version) await graph.draw(def, { problems: byNode });
  }

  function showIssues(issues: ValidationIssue[]) {
    if (issues.length === 0) return fill(problems, h('li', { class: 'ok' }, '✓ valid'));
    fill(problems, ...issues.map((i) => h('li', { 'data-pointer': i.pointer }, h('code', {}, i.pointer || '(root)'), ' ', i.message)));
  }

  function add(type: string) {
    let def: { States?: Record<string, unknown> };
    try {
      def = JSON.parse(text.value) as typeof def;
    } catch {
      return void fill(problems, h('li', {}, 'Fix the JSON before adding a state.'));
    }
    def.States ??= {};
    let n = 1;
    while (`${type}${n}` in def.States) n++;
    def.States[`${type}${n}`] = TEMPLATES[type];
    text.value = JSON.stringify(def, null, 2);
    void check();
  }

  async function save(how: 'new' | 'version') {
    try {
      const definition = JSON.parse(text.value) as unknown;
      if (how === 'version') {
        const r = await api<{ revisionId?: string }>('PUT', `/state-machines/${enc(name!)}`, { definition });
        saved.textContent = `saved: revision ${r.revisionId ?? ''}`;
      } else {
        const newName = nameInput.value.trim();
        if (!newName) return void (saved.textContent = 'give the new state machine a name');
        await api('POST', '/state-machines', { name: newName, definition, roleArn: 'arn:aws:iam::123456789012:role/stepwright-console' });
        location.hash = `#/machine/${enc(newName)}`;
      }
    } catch (e) {
      saved.textContent = (e as Error).message;
    }
  }

  await check();
}

/** The console's home (state machines, a chart of the server's metrics) and a machine's page (its graph and executions). */
import { api, enc, type Execution } from './api';
import { fill, h, link, seconds } from './dom';
import { GraphView } from './graph-view';

const STATUSES = ['', 'RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED', 'PENDING_REDRIVE'];

export async function machinesPage(root: HTMLElement): Promise<void> {
  const r = await api<{ stateMachines: { name: string; stateMachineArn: string; creationDate: string }[] }>('GET', '/state-machines?maxResults=1000');
  const chart = h('div', { class: 'chart' });
  fill(
    root,
    h('h1', {}, 'State machines'),
    h('p', {}, link('#/editor', '+ New state machine (visual editor)')),
    h('table', { class: 'list', id: 'machines' },
      h('thead', {}, h('tr', {}, h('th', {}, 'Name'), h('th', {}, 'Created'), h('th', {}, 'ARN'))),
      h('tbody', {}, ...r.stateMachines.map((m) => h('tr', { 'data-machine': m.name }, h('td', {}, link(`#/machine/${enc(m.name)}`, m.name)), h('td', {}, new Date(m.creationDate).toLocaleString()), h('td', { class: 'mono' }, m.stateMachineArn)))),
    ),
    h('h2', {}, 'Executions by outcome'),
    chart,
  );
  await drawMetricsChart(chart);
}

/** A bar per machine and outcome, from GET /metrics (the Prometheus text the server also serves to scrapers). */
async function drawMetricsChart(el: HTMLElement): Promise<void> {
  const text = await (await fetch('/metrics')).text();
  const counts = new Map<string, Record<string, number>>();
  for (const line of text.split('\n')) {
    const m = /^stepwright_executions_(started|succeeded|failed|timed_out|aborted)_total\{state_machine_arn="([^"]+)"\} (\S+)$/.exec(line);
    if (!m) continue;
    const name = m[2].split(':').pop()!;
    counts.set(name, { ...(counts.get(name) ?? {}), [m[1]]: Number(m[3]) });
  }
  if (counts.size === 0) return fill(el, h('p', { class: 'muted' }, 'No executions since the server started.'));
  const max = Math.max(1, ...[...counts.values()].map((c) => c.started ?? 0));
  const colours: Record<string, string> = { succeeded: '#2e9e44', failed: '#d13212', timed_out: '#8a5a00', aborted: '#5f6b7a' };
  fill(el, ...[...counts].map(([name, c]) => h('div', { class: 'bar-row' },
    h('span', { class: 'bar-name' }, name),
    h('span', { class: 'bar' }, ...Object.entries(colours).map(([k, colour]) => (c[k] ? h('span', { class: 'bar-part', title: `${k}: ${c[k]}`, style: `width:${(c[k] / max) * 300}px;background:${colour}` }) : null))),
    h('span', { class: 'muted' }, `${c.started ?? 0} started, ${c.succeeded ?? 0} succeeded, ${c.failed ?? 0} failed`),
  )));
}

export async function machinePage(root: HTMLElement, name: string, query: URLSearchParams): Promise<void> {
  const sm = await api<{ name: string; stateMachineArn: string; definition: unknown; revisionId?: string }>('GET', `/state-machines/${enc(name)}`);
  const status = query.get('status') ?? '';
  const tokens = (query.get('pages') ?? '').split(',').filter(Boolean);
  const graphEl = h('div', {});
  const list = h('div', {});
  const input = h('textarea', { rows: 3, cols: 50, id: 'start-input', spellcheck: 'false' }, '{}');
  const startMsg = h('span', { class: 'muted' });
  const go = (s: string, pages: string[]) => (location.hash = `#/machine/${enc(name)}?status=${s}&pages=${pages.map(enc).join(',')}`);
  fill(
    root,
    h('p', {}, link('#/', '← State machines')),
    h('h1', {}, sm.name, ' ', h('small', { class: 'muted' }, sm.revisionId ? `revision ${sm.revisionId}` : '')),
    h('p', {}, link(`#/editor/${enc(name)}`, 'Edit in the visual editor')),
    h('div', { class: 'columns' },
      h('div', {}, h('h2', {}, 'Graph'), graphEl),
      h('div', {},
        h('h2', {}, 'Start an execution'),
        input,
        h('div', {}, h('button', { id: 'start', onclick: () => void start() }, 'Start'), ' ', startMsg),
        h('h2', {}, 'Executions'),
        h('label', {}, 'Status ', h('select', { id: 'status-filter', onchange: (e: Event) => go((e.target as HTMLSelectElement).value, []) }, ...STATUSES.map((s) => h('option', { value: s, selected: s === status }, s || 'all')))),
        list,
      ),
    ),
  );
  async function start() {
    try {
      const r = await api<{ executionArn: string }>('POST', `/state-machines/${enc(name)}/executions`, { input: JSON.parse(input.value || '{}') as unknown });
      location.hash = `#/execution/${enc(r.executionArn)}`;
    } catch (e) {
      startMsg.textContent = (e as Error).message;
    }
  }
  await new GraphView(graphEl).draw(sm.definition);
  const token = tokens[tokens.length - 1];
  const page = await api<{ executions: Execution[]; nextToken?: string }>('GET', `/state-machines/${enc(name)}/executions?maxResults=20${status ? `&statusFilter=${status}` : ''}${token ? `&nextToken=${enc(token)}` : ''}`);
  fill(
    list,
    h('table', { class: 'list', id: 'executions' },
      h('thead', {}, h('tr', {}, h('th', {}, 'Name'), h('th', {}, 'Status'), h('th', {}, 'Started'), h('th', {}, 'Duration'))),
      h('tbody', {}, ...page.executions.map((e) => h('tr', { 'data-status': e.status }, h('td', {}, link(`#/execution/${enc(e.executionArn)}`, e.name)), h('td', {}, h('span', { class: `status ${e.status}` }, e.status)), h('td', {}, new Date(e.startDate).toLocaleString()), h('td', {}, seconds(e.startDate, e.stopDate))))),
    ),
    page.executions.length === 0 ? h('p', { class: 'muted' }, 'No executions.') : null,
    h('div', { class: 'pager' },
      tokens.length > 0 ? h('button', { onclick: () => go(status, tokens.slice(0, -1)) }, '← Newer') : null,
      page.nextToken ? h('button', { onclick: () => go(status, [...tokens, page.nextToken!]) }, 'Older →') : null,
    ),
  );
}

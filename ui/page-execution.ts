/**
 * An execution: its graph coloured by state (updating while it runs: a long GET that wakes when it
 * ends, and the history read again every couple of seconds), the state panel (input, output, error,
 * cause, retries, timings of the state clicked), the history table (filter by type, details on
 * demand), a timeline of states, its Map Runs, and Stop / Redrive.
 */
import { api, enc, history, machineName, type Execution, type HistoryEvent } from './api';
import { fill, h, link, pretty, seconds, time } from './dom';
import { GraphView } from './graph-view';
import { stateRuns, STATUS_COLOURS, type StateRun } from '../lambda/local/console-history';

/** How long one wait for the end lasts before the history is read again (the graph's refresh while running). */
const REFRESH_SECONDS = 2;
/** Redraws of an ended execution whose history does not show its end yet (see the refresh loop). */
const END_REDRAWS = 6;
const END_EVENTS = new Set(['ExecutionSucceeded', 'ExecutionFailed', 'ExecutionAborted', 'ExecutionTimedOut']);
const endsWithEnd = (events: readonly { type: string }[]) => END_EVENTS.has(events[events.length - 1]?.type ?? '');

export async function executionPage(root: HTMLElement, arn: string, isCurrent: () => boolean): Promise<void> {
  let exec = await api<Execution>('GET', `/executions/${enc(arn)}`);
  const sm = await api<{ definition: unknown }>('GET', `/state-machines/${enc(exec.stateMachineArn)}`);
  let events: HistoryEvent[] = [];
  let runs = new Map<string, StateRun>();
  let selected: string | undefined;
  const summary = h('div', { id: 'summary' });
  const panel = h('div', { id: 'state-panel', class: 'panel' }, h('p', { class: 'muted' }, 'Click a state to see its input, output and errors.'));
  const graph = new GraphView(h('div', { id: 'graph' }), (state) => {
    selected = state;
    showState();
  });
  const typeFilter = h('select', { id: 'type-filter', onchange: () => showHistory() });
  const historyBody = h('tbody', {});
  const timeline = h('div', { id: 'timeline' });
  const mapRuns = h('div', { id: 'map-runs' });
  const actions = h('div', { class: 'actions' });
  fill(
    root,
    h('p', {}, link(`#/machine/${enc(machineName(exec.stateMachineArn))}`, `← ${machineName(exec.stateMachineArn)}`)),
    h('h1', {}, exec.name),
    summary,
    actions,
    h('div', { class: 'columns' }, h('div', {}, h('h2', {}, 'Graph'), graph.el, legend()), h('div', {}, h('h2', {}, 'State'), panel)),
    h('h2', {}, 'Timeline'),
    timeline,
    mapRuns,
    h('h2', {}, 'History ', h('label', { class: 'muted' }, 'type ', typeFilter)),
    h('table', { class: 'list', id: 'history' }, h('thead', {}, h('tr', {}, h('th', {}, 'ID'), h('th', {}, 'Type'), h('th', {}, 'State'), h('th', {}, 'Time'), h('th', {}, 'Details'))), historyBody),
  );

  function showSummary() {
    fill(summary, h('p', {}, h('span', { class: `status ${exec.status}`, id: 'exec-status' }, exec.status), ' started ', new Date(exec.startDate).toLocaleString(), exec.stopDate ? ` · ${seconds(exec.startDate, exec.stopDate)}` : ''),
      exec.error ? h('p', { class: 'error' }, h('b', {}, exec.error), ' ', exec.cause ?? '') : null,
      h('details', {}, h('summary', {}, 'Input and output'), h('pre', {}, JSON.stringify(exec.input, null, 2)), exec.output !== undefined ? h('pre', {}, JSON.stringify(exec.output, null, 2)) : null));
    fill(actions,
      exec.status === 'RUNNING' ? h('button', { id: 'stop', onclick: () => void act('stop') }, 'Stop') : null,
      ['FAILED', 'TIMED_OUT', 'ABORTED'].includes(exec.status) ? h('button', { id: 'redrive', onclick: () => void act('redrive') }, 'Redrive') : null);
  }

  async function act(what: 'stop' | 'redrive') {
    try {
      await api('POST', `/executions/${enc(arn)}/${what}`, {});
    } catch (e) {
      actions.append(h('span', { class: 'error' }, ` ${(e as Error).message}`));
    }
    void refresh(0);
  }

  function showState() {
    const run = selected === undefined ? undefined : runs.get(selected);
    if (selected === undefined) return;
    if (!run) return fill(panel, h('h3', {}, selected), h('p', { class: 'muted' }, 'Not reached.'));
    const block = (title: string, text: string | undefined) => (text === undefined ? null : h('div', {}, h('h4', {}, title), h('pre', {}, pretty(text))));
    fill(panel,
      h('h3', {}, run.name, ' ', h('span', { class: `status ${run.status}`, 'data-state-status': run.status }, run.status)),
      h('p', { class: 'muted' }, `entered ${time(run.enteredAt)}`, run.exitedAt ? ` · left ${time(run.exitedAt)} · ${seconds(run.enteredAt, run.exitedAt)}` : '', run.entries > 1 ? ` · entered ${run.entries} times` : '', ` · retries: ${run.retries}`),
      block('Input', run.input), block('Output', run.output),
      run.error !== undefined ? h('div', { class: 'error' }, h('h4', {}, 'Error'), h('pre', {}, run.error), h('h4', {}, 'Cause'), h('pre', {}, pretty(run.cause))) : null);
  }

  function showHistory() {
    const types = [...new Set(events.map((e) => e.type))];
    const chosen = typeFilter.value;
    fill(typeFilter, h('option', { value: '' }, 'all'), ...types.map((t) => h('option', { value: t, selected: t === chosen }, t)));
    const shown = events.filter((e) => !chosen || e.type === chosen);
    fill(historyBody, ...shown.map((e) => {
      const { id, previousEventId: _p, type, timestamp, ...details } = e;
      const d = Object.values(details)[0] as { name?: string } | undefined;
      return h('tr', { 'data-type': type }, h('td', {}, id), h('td', {}, type), h('td', {}, d?.name ?? ''), h('td', {}, time(timestamp)), h('td', {}, Object.keys(details).length ? h('details', {}, h('summary', {}, 'details'), h('pre', {}, JSON.stringify(details, null, 2))) : ''));
    }));
  }

  function showTimeline() {
    const list = [...runs.values()].sort((a, b) => Date.parse(a.enteredAt) - Date.parse(b.enteredAt));
    if (list.length === 0) return fill(timeline, h('p', { class: 'muted' }, 'No state entered yet.'));
    const t0 = Date.parse(exec.startDate);
    const end = exec.stopDate ? Date.parse(exec.stopDate) : Date.now();
    const span = Math.max(1, end - t0);
    fill(timeline, ...list.map((r) => {
      const from = Date.parse(r.enteredAt) - t0;
      const to = (r.exitedAt ? Date.parse(r.exitedAt) : end) - t0;
      const c = STATUS_COLOURS[r.status];
      return h('div', { class: 'gantt-row' }, h('span', { class: 'gantt-name' }, r.name), h('span', { class: 'gantt-track' }, h('span', { class: 'gantt-bar', title: `${seconds(r.enteredAt, r.exitedAt ?? new Date(end).toISOString())}`, style: `left:${(from / span) * 100}%;width:${Math.max(0.5, ((to - from) / span) * 100)}%;background:${c.stroke}` })));
    }));
  }

  async function showMapRuns() {
    const r = await api<{ mapRuns: { mapRunArn: string; stateName?: string }[] }>('GET', `/executions/${enc(arn)}/map-runs`).catch(() => ({ mapRuns: [] }));
    if (r.mapRuns.length === 0) return fill(mapRuns);
    const blocks = await Promise.all(r.mapRuns.map(async (m) => {
      const d = await api<{ status: string; itemCounts: Record<string, number> }>('GET', `/map-runs/${enc(m.mapRunArn)}`);
      const children = await api<{ executions: Execution[] }>('GET', `/map-runs/${enc(m.mapRunArn)}/executions?maxResults=100`);
      return h('div', { class: 'map-run' },
        h('p', {}, h('span', { class: `status ${d.status}`, 'data-map-run-status': d.status }, d.status), ' ', h('span', { class: 'mono' }, m.mapRunArn)),
        h('p', { class: 'muted' }, Object.entries(d.itemCounts).filter(([k]) => k !== 'resultsWritten').map(([k, v]) => `${k}: ${v}`).join(' · ')),
        h('ul', {}, ...children.executions.map((c) => h('li', {}, link(`#/execution/${enc(c.executionArn)}`, c.name), ' ', h('span', { class: `status ${c.status}` }, c.status)))));
    }));
    fill(mapRuns, h('h2', {}, 'Map Runs'), ...blocks);
  }

  async function draw() {
    events = await history(arn);
    runs = stateRuns(events);
    await graph.draw(sm.definition, { runs });
    showSummary();
    showState();
    showHistory();
    showTimeline();
    await showMapRuns();
  }

  /** Waits (on the server) up to `waitSeconds` for the end, then redraws; again while it runs and the page is shown. */
  async function refresh(waitSeconds: number) {
    exec = await api<Execution>('GET', `/executions/${enc(arn)}?waitSeconds=${waitSeconds}`);
    if (!isCurrent()) return;
    await draw();
  }

  await draw();
  void (async () => {
    while (isCurrent() && exec.status === 'RUNNING') await refresh(REFRESH_SECONDS).catch(() => new Promise((r) => setTimeout(r, 2000)));
    // An ended execution's history ends with its end event. The end's events are written just after the
    // commit that ends it, so a history read in between lacks them: draw again, a few times, until it has them.
    for (let i = 0; i < END_REDRAWS && isCurrent() && exec.status !== 'RUNNING' && !endsWithEnd(events); i++) {
      await new Promise((r) => setTimeout(r, 500));
      await draw().catch(() => undefined);
    }
  })();
}

function legend(): HTMLElement {
  return h('p', { class: 'legend' }, ...Object.entries(STATUS_COLOURS).map(([k, c]) => h('span', {}, h('i', { style: `background:${c.fill};border-color:${c.stroke}` }), k === 'unreached' ? 'not reached' : k)));
}

/**
 * Draws a state graph (console-graph.ts) as SVG (laid out by elkjs), Mermaid or Graphviz DOT,
 * coloured by an execution's state runs when given. The console shows the same SVG and hooks its
 * clicks and colours on the `data-state` / `data-status` attributes. Pure and browser-safe.
 */
import { allNodes, type LaidGraph, type LaidNode, type StateGraph } from './console-graph';
import { STATUS_COLOURS, type StateRun } from './console-history';

const xml = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** The status a node is drawn in: its run's, 'unreached' when the execution never entered it, none without an execution. */
function statusOf(id: string, runs: ReadonlyMap<string, StateRun> | undefined): string | undefined {
  if (!runs) return undefined;
  return runs.get(id)?.status ?? 'unreached';
}

export interface SvgOptions {
  /** the execution's state runs, to colour by */
  runs?: ReadonlyMap<string, StateRun>;
  /** node id -> validation messages (the editor): the node gets a red outline and the messages as its title */
  problems?: ReadonlyMap<string, string[]>;
}

export function renderSvg(g: LaidGraph, opts: SvgOptions = {}): string {
  const out: string[] = [];
  const pad = 8;
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" class="state-graph" width="${g.width + 2 * pad}" height="${g.height + 2 * pad}" viewBox="${-pad} ${-pad} ${g.width + 2 * pad} ${g.height + 2 * pad}" font-family="system-ui, sans-serif" font-size="12">`,
    '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0L10,5L0,10z" fill="#5f6b7a"/></marker>',
    '<marker id="arrow-catch" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0L10,5L0,10z" fill="#e07b00"/></marker></defs>',
  );
  const node = (n: LaidNode) => {
    const status = statusOf(n.id, opts.runs);
    const problems = opts.problems?.get(n.id);
    const colour = status ? STATUS_COLOURS[status as keyof typeof STATUS_COLOURS] : { fill: '#ffffff', stroke: '#5f6b7a' };
    const attrs = `data-node="${xml(n.id)}" data-kind="${n.kind}"${n.kind === 'state' ? ` data-state="${xml(n.id)}"` : ''}${status && n.kind === 'state' ? ` data-status="${status}"` : ''}${problems ? ' data-invalid="true"' : ''}`;
    const title = problems ? `<title>${xml(problems.join('\n'))}</title>` : '';
    if (n.kind === 'group') {
      out.push(`<g class="group" ${attrs}>${title}<rect x="${n.x}" y="${n.y}" width="${n.width}" height="${n.height}" rx="6" fill="none" stroke="#9aa5b1" stroke-dasharray="4 3"/><text x="${n.x + 8}" y="${n.y + 16}" fill="#5f6b7a">${xml(n.label)}</text></g>`);
    } else if (n.kind === 'start' || n.kind === 'end') {
      out.push(`<g class="mark" ${attrs}><rect x="${n.x}" y="${n.y}" width="${n.width}" height="${n.height}" rx="${n.height / 2}" fill="#3b4754"/><text x="${n.x + n.width / 2}" y="${n.y + n.height / 2 + 4}" text-anchor="middle" fill="#fff">${xml(n.label)}</text></g>`);
    } else if (n.children) {
      // a Parallel or Map: the state's own box around its groups
      out.push(`<g class="node compound" ${attrs}>${title}<rect x="${n.x}" y="${n.y}" width="${n.width}" height="${n.height}" rx="8" fill="${colour.fill}" fill-opacity="0.45" stroke="${problems ? '#d13212' : colour.stroke}" stroke-width="${problems ? 3 : 1.5}"/><text x="${n.x + 10}" y="${n.y + 18}" font-weight="600">${xml(n.label)}</text><text x="${n.x + n.width - 10}" y="${n.y + 18}" text-anchor="end" fill="#5f6b7a" font-size="10">${xml(n.stateType ?? '')}</text></g>`);
      for (const c of n.children) node(c);
      return;
    } else {
      const retry = n.retry ? `<text x="${n.x + n.width / 2}" y="${n.y + 50}" text-anchor="middle" fill="#8a5a00" font-size="10">↻ ${xml(n.retry)}</text>` : '';
      out.push(`<g class="node" ${attrs}>${title}<rect x="${n.x}" y="${n.y}" width="${n.width}" height="${n.height}" rx="8" fill="${colour.fill}" stroke="${problems ? '#d13212' : colour.stroke}" stroke-width="${problems ? 3 : 1.5}"/><text x="${n.x + n.width / 2}" y="${n.y + 19}" text-anchor="middle" font-weight="600">${xml(n.label)}</text><text x="${n.x + n.width / 2}" y="${n.y + 34}" text-anchor="middle" fill="#5f6b7a" font-size="10">${xml(n.stateType ?? '')}</text>${retry}</g>`);
    }
    for (const c of n.children ?? []) node(c);
  };
  for (const n of g.nodes) node(n);
  for (const e of g.edges) {
    if (e.points.length < 2) continue;
    const d = e.points.map((p, i) => `${i === 0 ? 'M' : 'L'}${p.x},${p.y}`).join(' ');
    const catchEdge = e.kind === 'catch';
    out.push(`<g class="edge" data-edge-kind="${e.kind}" data-from="${xml(e.from)}" data-to="${xml(e.to)}"><path d="${d}" fill="none" stroke="${catchEdge ? '#e07b00' : '#5f6b7a'}" stroke-width="1.3"${catchEdge ? ' stroke-dasharray="5 3"' : ''} marker-end="url(#${catchEdge ? 'arrow-catch' : 'arrow'})"/>`);
    if (e.label && e.labelBox) out.push(`<text class="edge-label" x="${e.labelBox.x}" y="${e.labelBox.y + 11}" font-size="11" fill="${catchEdge ? '#8a4b00' : '#33404d'}">${xml(e.label)}</text>`);
    out.push('</g>');
  }
  out.push('</svg>');
  return out.join('\n');
}

/** Node ids made safe for Mermaid and DOT (state names may hold any character): n0, n1... */
function idMap(graph: StateGraph): Map<string, string> {
  return new Map(allNodes(graph.nodes).map((n, i) => [n.id, `n${i}`]));
}

export function renderMermaid(graph: StateGraph, runs?: ReadonlyMap<string, StateRun>): string {
  const ids = idMap(graph);
  const q = (s: string) => `"${s.replace(/"/g, '#quot;')}"`;
  const lines = ['flowchart TD'];
  const walk = (nodes: StateGraph['nodes'], indent: string) => {
    for (const n of nodes) {
      const id = ids.get(n.id)!;
      if (n.children) {
        lines.push(`${indent}subgraph ${id}[${q(n.kind === 'group' ? n.label : `${n.label} (${n.stateType})`)}]`);
        walk(n.children, `${indent}  `);
        lines.push(`${indent}end`);
      } else if (n.kind === 'start' || n.kind === 'end') lines.push(`${indent}${id}([${q(n.label)}])`);
      else lines.push(`${indent}${id}[${q(`${n.label}<br/><small>${n.stateType ?? ''}${n.retry ? ` · ${n.retry}` : ''}</small>`)}]`);
      const status = n.kind === 'state' ? statusOf(n.id, runs) : undefined;
      if (status) lines.push(`${indent}class ${id} ${status}`);
    }
  };
  walk(graph.nodes, '  ');
  for (const e of graph.edges) {
    const arrow = e.kind === 'catch' ? '-.->' : '-->';
    lines.push(`  ${ids.get(e.from)} ${arrow}${e.label ? `|${q(e.label)}|` : ''} ${ids.get(e.to)}`);
  }
  if (runs) for (const [status, c] of Object.entries(STATUS_COLOURS)) lines.push(`  classDef ${status} fill:${c.fill},stroke:${c.stroke}`);
  return lines.join('\n') + '\n';
}

export function renderDot(graph: StateGraph, runs?: ReadonlyMap<string, StateRun>): string {
  const ids = idMap(graph);
  const q = (s: string) => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
  const lines = ['digraph stateMachine {', '  node [shape=box, style="rounded,filled", fillcolor="#ffffff", fontname="sans-serif"];', '  edge [fontname="sans-serif", fontsize=10];', '  compound=true;'];
  const walk = (nodes: StateGraph['nodes'], indent: string) => {
    for (const n of nodes) {
      const id = ids.get(n.id)!;
      if (n.children) {
        // a cluster cannot be an edge's end in DOT: an invisible anchor point stands for it
        lines.push(`${indent}subgraph cluster_${id} {`, `${indent}  label=${q(n.kind === 'group' ? n.label : `${n.label} (${n.stateType})`)}; style=${n.kind === 'group' ? 'dashed' : 'rounded'};`);
        const status = n.kind === 'state' ? statusOf(n.id, runs) : undefined;
        lines.push(`${indent}  ${id} [shape=point, width=0.05${status ? `, color=${q(STATUS_COLOURS[status as keyof typeof STATUS_COLOURS].stroke)}` : ''}];`);
        walk(n.children, `${indent}  `);
        lines.push(`${indent}}`);
        continue;
      }
      if (n.kind === 'start' || n.kind === 'end') {
        lines.push(`${indent}${id} [label=${q(n.label)}, shape=ellipse, fillcolor="#3b4754", fontcolor="#ffffff"];`);
        continue;
      }
      const status = statusOf(n.id, runs);
      const c = status ? STATUS_COLOURS[status as keyof typeof STATUS_COLOURS] : undefined;
      lines.push(`${indent}${id} [label=${q(`${n.label}\n${n.stateType ?? ''}${n.retry ? `\n${n.retry}` : ''}`)}${c ? `, fillcolor=${q(c.fill)}, color=${q(c.stroke)}` : ''}];`);
    }
  };
  walk(graph.nodes, '  ');
  for (const e of graph.edges) {
    const attrs = [...(e.label ? [`label=${q(e.label)}`] : []), ...(e.kind === 'catch' ? ['style=dashed', 'color="#e07b00"'] : [])];
    lines.push(`  ${ids.get(e.from)} -> ${ids.get(e.to)}${attrs.length ? ` [${attrs.join(', ')}]` : ''};`);
  }
  lines.push('}');
  return lines.join('\n') + '\n';
}

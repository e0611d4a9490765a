/**
 * A state machine's graph, as the web console and `stepwright graph` draw it: one node per state,
 * Start and End marks per (sub)machine, Parallel branches and Map item processors as nested groups,
 * edges for Next, Choice rules (labelled with the rule), Default and Catch (labelled with the errors),
 * and each state's Retry as a note on its node. Laid out by elkjs (layered, top-down), coordinates
 * all relative to the top (ELK's ROOT coordinates) so a renderer needs no sums.
 *
 * Pure and browser-safe (no node: imports): the console's bundle includes it. It reads definitions
 * defensively, since the editor draws what is being typed: a missing Next or a state that is not an
 * object draws what it can and leaves the rest to the validator's problems.
 */
import ELK from 'elkjs/lib/elk.bundled.js';
import type { ElkExtendedEdge, ElkNode } from 'elkjs/lib/elk-api';

export type NodeKind = 'state' | 'start' | 'end' | 'group';
export type EdgeKind = 'next' | 'choice' | 'default' | 'catch';

export interface GraphNode {
  /** a state's name (unique across a whole definition, as ASL requires); `scope` + `#start`/`#end` for marks */
  id: string;
  kind: NodeKind;
  label: string;
  /** the ASL type of a state (Task, Choice...), or 'Branch'/'ItemProcessor' for a group */
  stateType?: string;
  /** Retry, as one line (`Retry: States.ALL ×3`) */
  retry?: string;
  /** the JSON pointer of the state in the definition, to tie validation problems to nodes */
  pointer: string;
  children?: GraphNode[];
}

export interface GraphEdge {
  id: string;
  from: string;
  to: string;
  kind: EdgeKind;
  label?: string;
}

export interface StateGraph {
  nodes: GraphNode[];
  edges: GraphEdge[];
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const esc = (s: string) => s.replace(/~/g, '~0').replace(/\//g, '~1');

const COMPARATORS = /^(String|Numeric|Boolean|Timestamp)(Equals|LessThan|GreaterThan|LessThanEquals|GreaterThanEquals|Matches)(Path)?$|^Is(Null|Present|Numeric|String|Boolean|Timestamp)$/;
const OP: Record<string, string> = { Equals: '==', LessThan: '<', GreaterThan: '>', LessThanEquals: '<=', GreaterThanEquals: '>=', Matches: 'matches' };

/** A Choice rule in a few words: `$.x == 1`, `$.a < $.b`, `not (...)`, a JSONata Condition as written. */
export function ruleText(rule: unknown): string {
  if (!isObj(rule)) return '?';
  if (typeof rule.Condition === 'string') return rule.Condition.replace(/^\{%\s*|\s*%\}$/g, '');
  if (Array.isArray(rule.And)) return rule.And.map(ruleText).join(' and ');
  if (Array.isArray(rule.Or)) return rule.Or.map(ruleText).join(' or ');
  if (rule.Not !== undefined) return `not (${ruleText(rule.Not)})`;
  const key = Object.keys(rule).find((k) => COMPARATORS.test(k));
  if (!key) return '?';
  const variable = typeof rule.Variable === 'string' ? rule.Variable : '?';
  const m = COMPARATORS.exec(key)!;
  if (m[4] !== undefined) return rule[key] === false ? `${variable} is not ${m[4].toLowerCase()}` : `${variable} is ${m[4].toLowerCase()}`;
  return `${variable} ${OP[m[2]]} ${m[3] ? String(rule[key]) : JSON.stringify(rule[key])}`;
}

const short = (s: string, n = 40) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

function retryText(retry: unknown): string | undefined {
  if (!Array.isArray(retry) || retry.length === 0) return undefined;
  return `Retry: ${retry.map((r) => (isObj(r) ? `${Array.isArray(r.ErrorEquals) ? r.ErrorEquals.join(',') : '?'} ×${typeof r.MaxAttempts === 'number' ? r.MaxAttempts : 3}` : '?')).join('; ')}`;
}

/** The graph of a definition (or of what the editor holds: anything JSON). */
export function buildGraph(definition: unknown): StateGraph {
  const edges: GraphEdge[] = [];
  let n = 0;
  const edge = (from: string, to: string, kind: EdgeKind, label?: string) => edges.push({ id: `e${n++}`, from, to, kind, ...(label !== undefined ? { label: short(label) } : {}) });

  /** the nodes of one (sub)machine: `scope` names its marks, `pointer` is where its States are */
  const machine = (def: unknown, scope: string, pointer: string): GraphNode[] => {
    const d = isObj(def) ? def : {};
    const states = isObj(d.States) ? d.States : {};
    const start: GraphNode = { id: `${scope}#start`, kind: 'start', label: 'Start', pointer: `${pointer}/StartAt` };
    const end: GraphNode = { id: `${scope}#end`, kind: 'end', label: 'End', pointer };
    const nodes: GraphNode[] = [start];
    const names = new Set(Object.keys(states));
    const to = (from: string, target: unknown, kind: EdgeKind, label?: string) => {
      if (typeof target === 'string' && names.has(target)) edge(from, target, kind, label);
    };
    to(start.id, d.StartAt, 'next');
    let ends = false;
    for (const [name, raw] of Object.entries(states)) {
      const s = isObj(raw) ? raw : {};
      const at = `${pointer}/States/${esc(name)}`;
      const type = typeof s.Type === 'string' ? s.Type : '?';
      const node: GraphNode = { id: name, kind: 'state', label: name, stateType: type, pointer: at, ...(retryText(s.Retry) ? { retry: retryText(s.Retry) } : {}) };
      if (type === 'Parallel' && Array.isArray(s.Branches)) {
        node.children = s.Branches.map((b, i) => ({ id: `${name}#branch${i}`, kind: 'group' as const, label: `Branch ${i + 1}`, stateType: 'Branch', pointer: `${at}/Branches/${i}`, children: machine(b, `${name}#branch${i}`, `${at}/Branches/${i}`) }));
      } else if (type === 'Map' && (isObj(s.ItemProcessor) || isObj(s.Iterator))) {
        const key = isObj(s.ItemProcessor) ? 'ItemProcessor' : 'Iterator';
        node.children = [{ id: `${name}#items`, kind: 'group', label: 'Item processor', stateType: 'ItemProcessor', pointer: `${at}/${key}`, children: machine(s[key], `${name}#items`, `${at}/${key}`) }];
      }
      nodes.push(node);
      if (type === 'Choice') {
        if (Array.isArray(s.Choices)) for (const rule of s.Choices) to(name, isObj(rule) ? rule.Next : undefined, 'choice', ruleText(rule));
        to(name, s.Default, 'default', 'Default');
      } else if (s.End === true || type === 'Succeed' || type === 'Fail') {
        edge(name, end.id, 'next');
        ends = true;
      } else to(name, s.Next, 'next');
      if (Array.isArray(s.Catch)) for (const c of s.Catch) if (isObj(c)) to(name, c.Next, 'catch', `Catch ${Array.isArray(c.ErrorEquals) ? c.ErrorEquals.join(', ') : '?'}`);
    }
    if (ends || nodes.length === 1) nodes.push(end);
    return nodes;
  };
  return { nodes: machine(definition, 'root', ''), edges };
}

/** Every node, groups' children included, depth first. */
export function allNodes(nodes: GraphNode[]): GraphNode[] {
  return nodes.flatMap((node) => [node, ...allNodes(node.children ?? [])]);
}

// ------------------------------------------------------------------ layout

export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}
export interface LaidNode extends Omit<GraphNode, 'children'>, Box {
  children?: LaidNode[];
}
export interface LaidEdge extends GraphEdge {
  points: { x: number; y: number }[];
  labelBox?: Box;
}
export interface LaidGraph {
  width: number;
  height: number;
  nodes: LaidNode[];
  edges: LaidEdge[];
}

/** Text width at the renderers' 12px sans-serif, estimated: layout runs where no font can be measured (the CLI). */
export const textWidth = (s: string, px = 12) => Math.ceil(s.length * px * 0.6);

function nodeSize(node: GraphNode): { width: number; height: number } {
  if (node.kind === 'start' || node.kind === 'end') return { width: 56, height: 28 };
  const width = Math.max(120, textWidth(node.label) + 28, node.retry ? textWidth(node.retry, 10) + 20 : 0);
  return { width, height: node.retry ? 58 : 44 };
}

/** Lays the graph out with elkjs (same options in the CLI and the browser, so both draw the same picture). */
export async function layoutGraph(graph: StateGraph): Promise<LaidGraph> {
  const byId = new Map(allNodes(graph.nodes).map((node) => [node.id, node]));
  const toElk = (node: GraphNode): ElkNode =>
    node.children
      ? { id: node.id, labels: [{ text: node.label, width: textWidth(node.label), height: 16 }], layoutOptions: { 'elk.padding': '[top=34,left=12,bottom=12,right=12]' }, children: node.children.map(toElk) }
      : { id: node.id, ...nodeSize(node) };
  const elkEdges: ElkExtendedEdge[] = graph.edges.map((e) => ({ id: e.id, sources: [e.from], targets: [e.to], ...(e.label ? { labels: [{ text: e.label, width: textWidth(e.label, 11), height: 14 }] } : {}) }));
  const root: ElkNode = {
    id: '#root',
    layoutOptions: {
      'elk.algorithm': 'layered',
      'elk.direction': 'DOWN',
      'elk.hierarchyHandling': 'INCLUDE_CHILDREN',
      'elk.json.shapeCoords': 'ROOT',
      'elk.json.edgeCoords': 'ROOT',
      'elk.layered.spacing.nodeNodeBetweenLayers': '40',
      'elk.spacing.nodeNode': '30',
      'elk.edgeLabels.inline': 'false',
    },
    children: graph.nodes.map(toElk),
    edges: elkEdges,
  };
  const out = await new ELK().layout(root);
  const fromElk = (e: ElkNode): LaidNode => {
    const { children: _c, ...node } = byId.get(e.id)!;
    return { ...node, x: e.x ?? 0, y: e.y ?? 0, width: e.width ?? 0, height: e.height ?? 0, ...(e.children?.length ? { children: e.children.map(fromElk) } : {}) };
  };
  const laidEdges = new Map((out.edges ?? []).map((e) => [e.id, e]));
  return {
    width: out.width ?? 0,
    height: out.height ?? 0,
    nodes: (out.children ?? []).map(fromElk),
    edges: graph.edges.map((e) => {
      const le = laidEdges.get(e.id);
      const points = (le?.sections ?? []).flatMap((s) => [s.startPoint, ...(s.bendPoints ?? []), s.endPoint]);
      const lb = le?.labels?.[0];
      return { ...e, points, ...(lb ? { labelBox: { x: lb.x ?? 0, y: lb.y ?? 0, width: lb.width ?? 0, height: lb.height ?? 0 } } : {}) };
    }),
  };
}

/**
 * GetExecutionHistory as AWS shows it for the definition as written, whatever the engine did
 * underneath. A spread fan-out (docs/fan-out.md) keeps each Map item's or Parallel branch's events in
 * the child execution's own history; the parent's stored history is a summary. On AWS only a
 * DISTRIBUTED Map works that way. So the view puts back, in the parent's history:
 *
 *  - for a Map declared INLINE (or without ProcessorConfig) that was spread: in place of MapRunStarted,
 *    each started item as `MapIterationStarted`, the item's own state events, then
 *    `MapIterationSucceeded` / `MapIterationFailed` / `MapIterationAborted`; its MapRunSucceeded /
 *    MapRunFailed is dropped (an inline Map has no Map Run on AWS);
 *  - for a spread Parallel: after ParallelStateStarted, each branch's state events;
 *  - recursively, for children that spread fan-outs of their own.
 *
 * A DISTRIBUTED Map keeps its Map Run events, its items' events stay in the children: as on AWS.
 * Items follow one another in index order, each one's events in their order (AWS interleaves
 * concurrent iterations by time; the order within each is the same). Events are numbered 1..N over
 * the merged view, each one's previousEventId the event before it, as the engine numbers its own.
 *
 * The stored events are not changed (the store's layout is its own business): the view is built on
 * each read from the ExecutionStore port, and paged over here. Its pages are positions in the merged
 * view, which is the same on every read of a finished execution, so paging is stable.
 */
import type { EngineDeps } from './deps';
import { definitionFor } from './advance-execution';
import { childArnOf } from './fan-out-orders';
import { fanIdOfMapRun } from '../engine/arns';
import { SPREAD_FAN_ID } from '../engine/fan-out/spread';
import { machineAt } from '../engine/definition';
import type { HistoryEvent } from '../engine/history';
import { InvalidPageToken, pageSizeOf, type ExecutionRecord, type Page } from '../ports';


const STORE_PAGE = 1000;
/** Child records read at once (DynamoDB's BatchGetItem takes 100 keys). */
const CHILD_PAGE = 100;

async function storedEvents(deps: EngineDeps, executionArn: string): Promise<HistoryEvent[]> {
  const events: HistoryEvent[] = [];
  let nextToken: string | undefined;
  do {
    const page = await deps.store.getHistory(executionArn, { maxResults: STORE_PAGE, nextToken });
    events.push(...page.items);
    nextToken = page.nextToken;
  } while (nextToken);
  return events;
}

/** The children of a spread fan-out, in index order: records are read until the first index that has none. */
async function childrenOf(deps: EngineDeps, fanId: string): Promise<ExecutionRecord[]> {
  const out: ExecutionRecord[] = [];
  for (let from = 0; ; from += CHILD_PAGE) {
    const records = await deps.store.getExecutions(Array.from({ length: CHILD_PAGE }, (_, i) => childArnOf(fanId, from + i)));
    for (const r of records) {
      if (!r?.child) return out;
      out.push(r);
    }
  }
}

/**
 * Is the spread Map `fanId` (run by `parent`) declared DISTRIBUTED? Its state is named in the fanId
 * (`<record>/<state>/<token>`); when that name cannot be read back (a '/' in it), the first child's
 * machine path finds the state.
 */
export async function declaredDistributed(deps: EngineDeps, parent: ExecutionRecord, fanId: string, firstChild?: ExecutionRecord): Promise<boolean> {
  const def = await definitionFor(deps, parent).catch(() => undefined);
  if (!def) return true;
  let state: Record<string, unknown> | undefined;
  if (firstChild?.child) state = machineAt(def, firstChild.child.machinePath.slice(0, -1)) as unknown as Record<string, unknown>;
  else {
    const machine = parent.child ? machineAt(def, parent.child.machinePath) : def;
    const name = fanId.slice(parent.executionArn.length + 1, fanId.lastIndexOf('/'));
    const states = machine?.States as Record<string, unknown> | undefined;
    state = states && Object.prototype.hasOwnProperty.call(states, name) ? (states[name] as Record<string, unknown>) : undefined;
  }
  const processor = (state?.ItemProcessor ?? state?.Iterator) as { ProcessorConfig?: { Mode?: string } } | undefined;
  // without the state at hand, the stored summary stays as it is
  return state === undefined || processor?.ProcessorConfig?.Mode === 'DISTRIBUTED';
}

const ITERATION_END: Record<string, string> = { SUCCEEDED: 'MapIterationSucceeded', FAILED: 'MapIterationFailed', ABORTED: 'MapIterationAborted', TIMED_OUT: 'MapIterationAborted' };

/** A child's events as its parent shows them: its own (merged) events without ExecutionStarted and its end. */
async function childBody(deps: EngineDeps, child: ExecutionRecord): Promise<HistoryEvent[]> {
  const events = await mergedEvents(deps, child);
  const from = events[0]?.type === 'ExecutionStarted' ? 1 : 0;
  const last = events[events.length - 1];
  const to = last && last !== events[from - 1] && /^Execution(Succeeded|Failed|Aborted|TimedOut)$/.test(last.type) ? events.length - 1 : events.length;
  return events.slice(from, to);
}

interface Merged {
  /** the view's events, not yet numbered */
  events: HistoryEvent[];
  /** stored id of each of the execution's own events -> its index in `events` */
  ownIndex: Map<number, number>;
  /** a child folded into this view -> the index in `events` where its body begins */
  bodyStart: Map<string, number>;
}

/**
 * The execution's events with its spread fan-outs shown as AWS shows them (see the header), not yet
 * numbered. `until`: stop once that child's body begins (nothing after it is needed, and a Map's later
 * items need not be read).
 */
async function merged(deps: EngineDeps, rec: ExecutionRecord, until?: string): Promise<Merged> {
  const stored = await storedEvents(deps, rec.executionArn);
  const out: HistoryEvent[] = [];
  const ownIndex = new Map<number, number>();
  const bodyStart = new Map<string, number>();
  const fold = async (child: ExecutionRecord, wrap: boolean) => {
    const body = await childBody(deps, child);
    if (wrap && !child.snapshot && body.length === 0) return; // never started (stopped first): no iteration on AWS either
    const link = child.child!;
    const name = link.machinePath[link.machinePath.length - 2];
    const at = (e: HistoryEvent | undefined) => e?.timestamp ?? child.startDate;
    const mark = (type: string, timestamp: string): HistoryEvent => ({ timestamp, type, id: 0, previousEventId: 0, [`${type.charAt(0).toLowerCase()}${type.slice(1)}EventDetails`]: { name, index: link.index } });
    if (wrap) out.push(mark('MapIterationStarted', at(body[0])));
    bodyStart.set(child.executionArn, out.length);
    out.push(...body);
    const end = ITERATION_END[child.status];
    // an item that failed the whole execution (States.Runtime) has no end of its own, as inline
    if (wrap && end && !child.snapshot?.failedExecution) out.push(mark(end, child.stopDate ?? at(body[body.length - 1])));
  };
  // each MapRunStarted, in order: is its Map Run shown (true) or folded into iterations (false)?
  const openRuns: boolean[] = [];
  for (const e of stored) {
    if (until !== undefined && bodyStart.has(until)) break;
    if (e.type === 'MapRunStarted') {
      const arn = (e.mapRunStartedEventDetails as { mapRunArn?: string } | undefined)?.mapRunArn;
      // a Distributed Map run inline names a Map Run with no children (arns.ts inlineMapRunArnOf): it stays
      const fanId = arn === undefined ? undefined : fanIdOfMapRun(arn);
      const children = fanId === undefined ? [] : await childrenOf(deps, fanId);
      const folded = fanId !== undefined && !(await declaredDistributed(deps, rec, fanId, children[0]));
      openRuns.push(!folded);
      if (!folded) {
        ownIndex.set(e.id, out.length);
        out.push(e);
      } else for (const child of children) if (until === undefined || !bodyStart.has(until)) await fold(child, true);
      continue;
    }
    if ((e.type === 'MapRunSucceeded' || e.type === 'MapRunFailed') && openRuns.shift() === false) continue;
    ownIndex.set(e.id, out.length);
    const fanId = e.type === 'ParallelStateStarted' ? (e.parallelStateStartedEventDetails as Record<string, unknown> | undefined)?.[SPREAD_FAN_ID] : undefined;
    if (typeof fanId !== 'string') {
      out.push(e);
      continue;
    }
    const { parallelStateStartedEventDetails: _spread, ...shown } = e;
    out.push(shown);
    for (const branch of await childrenOf(deps, fanId)) if (until === undefined || !bodyStart.has(until)) await fold(branch, false);
  }
  return { events: out, ownIndex, bodyStart };
}

async function mergedEvents(deps: EngineDeps, rec: ExecutionRecord): Promise<HistoryEvent[]> {
  return (await merged(deps, rec)).events;
}

/** The engine's words for the state an error happened in and its entry event, in a cause (engine/interpreter.ts). */
const ENTERED_AT = /the state '(.*?)' \(entered at the event id #(\d+)\)/g;

const entered = (e: HistoryEvent | undefined, name: string) => e !== undefined && e.type.endsWith('StateEntered') && (e.stateEnteredEventDetails as { name?: unknown } | undefined)?.name === name;

/**
 * Where the event a child's cause names is in the child's view: the id is the child's own stored id
 * (the error happened in the child), or, when the cause came up from a spread child of the child's
 * own, an id of the child's view (numbered 1..N). The state the cause names tells which.
 */
function entryIndex(own: Merged, name: string, id: number): number | undefined {
  const stored = own.ownIndex.get(id);
  if (stored !== undefined && entered(own.events[stored], name)) return stored;
  return entered(own.events[id - 1], name) ? id - 1 : stored;
}

/**
 * A failed spread child's cause as its parent passes it on: the event ids it names ("entered at the
 * event id #N", counted in the child's own history) become the ids the parent's history shows for
 * those events, where the child's events are folded into it (an INLINE Map's item, a Parallel's
 * branch: AWS counts them in the parent's history). A DISTRIBUTED Map's child keeps its own ids, as
 * its history on AWS is its own. A cause that a grandchild passed up names ids of the child's view
 * instead of its stored ids (entryIndex tells them apart), so a cause is renumbered level by level.
 */
export async function causeAsParentShows(deps: EngineDeps, child: ExecutionRecord): Promise<string | undefined> {
  const cause = child.cause;
  const link = child.child;
  if (cause === undefined || !link || !cause.includes('(entered at the event id #')) return cause;
  const parent = await deps.store.getExecution(link.parentArn);
  if (!parent || (link.kind === 'map' && (await declaredDistributed(deps, parent, link.fanId, child)))) return cause;
  const [own, inParent] = await Promise.all([merged(deps, child), merged(deps, parent, child.executionArn)]);
  const start = inParent.bodyStart.get(child.executionArn);
  if (start === undefined) return cause;
  return cause.replace(ENTERED_AT, (text, name: string, id: string) => {
    const index = entryIndex(own, name, Number(id));
    // the child's event at view index i (ExecutionStarted, index 0, is not shown) is the parent's event start + i - 1, id start + i
    return index === undefined || index === 0 ? text : text.replace(/#\d+\)$/, `#${start + index})`);
  });
}

/** The whole history as GetExecutionHistory shows it, numbered 1..N. */
export async function historyView(deps: EngineDeps, rec: ExecutionRecord): Promise<HistoryEvent[]> {
  const events = await mergedEvents(deps, rec);
  return events.map((e, i) => ({ ...e, id: i + 1, previousEventId: i }));
}

/**
 * Could this execution have spread a fan-out? Only a definition with a Map or Parallel state can;
 * every other history is paged by the store directly, without reading it whole. So is one whose
 * definition cannot be read (the view could not tell an INLINE Map from a DISTRIBUTED one either).
 */
export async function mayHaveSpread(deps: EngineDeps, rec: ExecutionRecord): Promise<boolean> {
  const text = await Promise.resolve()
    .then(() => deps.store.getDefinitionRevision(rec.stateMachineArn, rec.revisionId))
    .catch(() => undefined);
  return text !== undefined && /"Type"\s*:\s*"(Map|Parallel)"/.test(text);
}

/**
 * One page of the view. The token is the position of the page's first event in the view read in the
 * asked direction, tied to the execution (a token of another execution or direction is refused with
 * InvalidPageToken, which the API turns into InvalidToken).
 */
export async function historyViewPage(deps: EngineDeps, rec: ExecutionRecord, q: { maxResults?: number; nextToken?: string; reverseOrder?: boolean }): Promise<Page<HistoryEvent>> {
  const size = pageSizeOf(q.maxResults);
  const listing = `${rec.executionArn}#${q.reverseOrder === true ? 'reverse' : 'forward'}`;
  const from = q.nextToken === undefined || q.nextToken === '' ? 0 : positionOf(q.nextToken, listing);
  const all = await historyView(deps, rec);
  if (q.reverseOrder === true) all.reverse();
  const items = all.slice(from, from + size);
  return from + size < all.length ? { items, nextToken: Buffer.from(JSON.stringify({ l: listing, i: from + size })).toString('base64url') } : { items };
}

function positionOf(token: string, listing: string): number {
  let v: unknown;
  try {
    v = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    throw new InvalidPageToken(token);
  }
  const p = v as { l?: unknown; i?: unknown } | null;
  if (!p || p.l !== listing || typeof p.i !== 'number' || !Number.isInteger(p.i) || p.i < 0) throw new InvalidPageToken(token);
  return p.i;
}

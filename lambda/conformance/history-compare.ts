/**
 * Compares the history an execution wrote with the one AWS recorded for a conformance case.
 *
 * What is compared (docs/conformance.md says the same):
 * - the event types, in order, one for one: a missing, extra or misplaced event is a difference;
 * - the state names, in order, for the events that name one (stateEntered/stateExited details'
 *   `name`, the Map state's `name` in mapIteration* details), where the recorded event gives a name.
 *   The corpus records types only (its README: "`events` is the list of recorded history event types"),
 *   so names count only for cases recorded as `{type, name}` objects.
 * - one exception to "in order": LocalStack's tests that register `SfnNoneRecursiveParallelTransformer`
 *   recorded their history after that transformer sorted the events between `ParallelStateStarted` and
 *   the Parallel's end (the branches' interleaving depends on timing), and its slice replacement drops
 *   the end events that follow the first one (`ParallelStateSucceeded` before `ParallelStateExited`,
 *   and in a nested Parallel the inner one's end events). For those cases our history goes through the
 *   same normalisation before it is compared: the branches' events are compared as a multiset of
 *   (type, name), everything around them in order. Written here from the transformer's behaviour as
 *   LocalStack's test suite defines it (tests/aws/services/stepfunctions/conftest.py), since no library
 *   carries it.
 * Map iterations are compared in order: every recorded inline Map in the corpus runs its items one at a
 * time (MaxConcurrency 1) or was recorded in item order, and a Distributed Map's items are not in the
 * parent's history at all. A case whose recorded order depended on timing in a way this cannot express
 * goes into the expectations file with its reason.
 */
import type { HistoryEvent } from '../engine/history';

/** An event as a case records it: its type, or its type and the state it names. */
export type RecordedEvent = string | { type: string; name?: string };

interface Comparable {
  type: string;
  name?: string;
}

/** LocalStack tests whose recorded history went through SfnNoneRecursiveParallelTransformer (pytest node ids). */
const PARALLEL_NORMALISED_TESTS = [
  /test_base_scenarios\.py::TestBaseScenarios::test_parallel_state(\[|$)/,
  /test_base_scenarios\.py::TestBaseScenarios::test_parallel_state_order(\[|$)/,
  /test_base_scenarios\.py::TestBaseScenarios::test_parallel_state_nested(\[|$)/,
  /test_assign_base\.py::TestAssignBase::test_base_parallel_cases(\[|$)/,
];

/** Was this case (its `source`, "localstack <pytest node id>") recorded through the Parallel normalisation? */
export function recordedWithParallelNormalisation(source: string | undefined): boolean {
  if (!source) return false;
  const nodeId = source.replace(/^localstack\s+/, '');
  return PARALLEL_NORMALISED_TESTS.some((re) => re.test(nodeId));
}

const PARALLEL_ENDS = new Set(['ParallelStateSucceeded', 'ParallelStateAborted', 'ParallelStateExited', 'ParallelStateFailed']);

function byTypeThenName(a: Comparable, b: Comparable): number {
  if (a.type !== b.type) return a.type < b.type ? -1 : 1;
  const an = a.name ?? '';
  const bn = b.name ?? '';
  return an === bn ? 0 : an < bn ? -1 : 1;
}

/**
 * What LocalStack's SfnNoneRecursiveParallelTransformer leaves of a history: at every Parallel end
 * event, the events from just after the last `ParallelStateStarted` up to it are replaced by that
 * Parallel's collected events, sorted; the list is changed while it is walked, as the original does.
 * Sorted here by type, then state name (the transformer sorts whole events as JSON text, whose
 * timestamps the recording had masked to one value).
 */
export function normaliseParallelLikeRecorder<T extends Comparable>(events: readonly T[]): T[] {
  const list = [...events];
  let start = 0;
  let collected: T[] = [];
  let inside = false;
  for (let i = 0; i < list.length; i++) {
    const type = list[i].type;
    if (PARALLEL_ENDS.has(type)) {
      list.splice(start, i - start, ...[...collected].sort(byTypeThenName));
      inside = false;
    } else if (type === 'ParallelStateStarted') {
      inside = true;
      collected = [];
      start = i + 1;
    } else if (inside) collected.push(list[i]);
  }
  return list;
}

/** The state an event names: state entered/exited details' `name`, a Map iteration's Map state. */
export function eventStateName(event: HistoryEvent): string | undefined {
  for (const [key, value] of Object.entries(event)) {
    if (!key.endsWith('EventDetails') || !value || typeof value !== 'object') continue;
    const name = (value as { name?: unknown }).name;
    if (typeof name === 'string' && (key.startsWith('state') || key.startsWith('mapIteration'))) return name;
  }
  return undefined;
}

export interface HistoryDifference {
  /** `history/<index>`: the first position where the two histories differ */
  path: string;
  /** a few recorded events around it, the differing one marked with `*` */
  expected: string[];
  actual: string[];
}

function label(e: Comparable | undefined, withName: boolean): string {
  if (!e) return '(end)';
  return withName && e.name !== undefined ? `${e.type} ${e.name}` : e.type;
}

function window(list: readonly Comparable[], at: number, withName: boolean): string[] {
  const out: string[] = [];
  for (let i = Math.max(0, at - 2); i <= at + 2; i++) {
    if (i > at && i >= list.length) break;
    out.push(`${i === at ? '*' : ''}${label(list[i], withName)}`);
  }
  return out;
}

/**
 * The first difference between a recorded history and ours, with context; undefined when they match.
 * `parallelNormalised`: the case was recorded through the Parallel normalisation (see above).
 */
export function compareHistory(recorded: readonly RecordedEvent[], actual: readonly HistoryEvent[], opts: { parallelNormalised?: boolean } = {}): HistoryDifference | undefined {
  const expected: Comparable[] = recorded.map((e) => (typeof e === 'string' ? { type: e } : { type: e.type, name: e.name }));
  let ours: Comparable[] = actual.map((e) => ({ type: e.type, name: eventStateName(e) }));
  if (opts.parallelNormalised) ours = normaliseParallelLikeRecorder(ours);
  const withName = expected.some((e) => e.name !== undefined);
  const n = Math.max(expected.length, ours.length);
  for (let i = 0; i < n; i++) {
    const e = expected[i];
    const a = ours[i];
    const same = e !== undefined && a !== undefined && e.type === a.type && (e.name === undefined || e.name === a.name);
    if (!same) return { path: `history/${i}`, expected: window(expected, i, withName), actual: window(ours, i, withName) };
  }
  return undefined;
}

/**
 * The Map Run API (DescribeMapRun, ListMapRuns, ListExecutions by mapRunArn) over spread Maps: each
 * item of a spread Map is a child execution with its own record (see fan-out.ts), so a Map Run is
 * described by reading its children; nothing is stored for the Map Run itself.
 *
 *   mapRunArn = fanId with ':execution:' -> ':mapRun:'      fanId = `${parentRecordArn}/${stateName}/${token}`
 *   child i   = `${fanId}/${i}`, its record's `child` link names the parent, the token, total, MaxConcurrency
 */
import { createHash } from 'node:crypto';
import { childArnOf } from './fan-out-orders';
import { definitionFor, writeOutboxForReaders } from './advance-execution';
import { apiError, pageErrorAsApi } from './api-errors';
import { requireExecution } from './service';
import { fanIdOfMapRun } from '../engine/arns';
import { machineAt } from '../engine/definition';
import { failureTolerated } from '../engine/tolerance';
import type { EngineDeps } from './deps';
import { pageSizeOf, type ChildLink, type ExecutionRecord, type ExecutionSummary, type Page } from '../ports';
import type { ExecutionStatus } from '../engine/types';

export type MapRunStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'ABORTED';

export interface MapRunCounts {
  pending: number;
  running: number;
  succeeded: number;
  failed: number;
  timedOut: number;
  aborted: number;
  total: number;
  /** items whose results a ResultWriter wrote: Stepwright has no ResultWriter, so always 0 */
  resultsWritten: number;
}

export interface MapRunDescription {
  mapRunArn: string;
  executionArn: string;
  status: MapRunStatus;
  startDate: string;
  stopDate?: string;
  maxConcurrency: number;
  toleratedFailurePercentage: number;
  toleratedFailureCount: number;
  itemCounts: MapRunCounts;
  /** one child execution per item (no ItemBatcher batches counted apart): the same as itemCounts */
  executionCounts: MapRunCounts;
}

export interface MapRunListItem {
  executionArn: string;
  mapRunArn: string;
  stateMachineArn: string;
  startDate: string;
  stopDate?: string;
}

export type MapRunExecutionItem = ExecutionSummary & { mapRunArn: string; itemCount: number; redriveCount: number };

/** Child records read at once when counting: bounded memory whatever the Map's size. */
const READ_PAGE = 1000;
/** ListExecutions(mapRunArn) with a statusFilter reads at most this many children per call (a short page carries a nextToken). */
const MAX_SCAN = 1000;

const resourceNotFound = apiError.mapRunDoesNotExist;

/** The fanId of a well-formed Map Run ARN (arn:<partition>:states:<region>:<account>:mapRun:<machine>:<name>/...). */
function fanIdOf(mapRunArn: unknown): string {
  const parts = typeof mapRunArn === 'string' ? mapRunArn.split(':') : [];
  const ok = typeof mapRunArn === 'string' && mapRunArn.length <= 2000 && parts.length >= 8 && parts[0] === 'arn' && parts[2] === 'states' && parts[5] === 'mapRun' && parts.slice(7).join(':').includes('/');
  if (!ok) throw apiError.invalidArn('mapRunArn', mapRunArn);
  return fanIdOfMapRun(mapRunArn);
}

interface MapRunSource {
  mapRunArn: string;
  fanId: string;
  /** the record whose run started the Map Run (the execution, or a child that is itself spread) */
  parent: ExecutionRecord;
  /** child 0's link; absent for a Map Run without children (an empty Map, or a Distributed Map run inline) */
  link?: ChildLink;
  firstChild?: ExecutionRecord;
}

/**
 * Finds a Map Run through its first child. Without one, the Map Run may still have been started
 * with no items: its parent record (the ARN before `/<stateName>/<token>`, assuming the state name
 * has no '/') must then have a MapRunStarted event naming it.
 */
async function loadMapRun(deps: EngineDeps, mapRunArn: unknown, again = false): Promise<MapRunSource> {
  const fanId = fanIdOf(mapRunArn);
  const arn = mapRunArn as string;
  const first = await deps.store.getExecution(childArnOf(fanId, 0));
  if (first?.child) {
    // a Parallel's fan-out is spread the same way but is no Map Run
    if (first.child.kind !== 'map' || first.child.fanId !== fanId) throw resourceNotFound(arn);
    const parent = await deps.store.getExecution(first.child.parentArn);
    if (!parent) throw resourceNotFound(arn);
    return { mapRunArn: arn, fanId, parent, link: first.child, firstChild: first };
  }
  for (const parentArn of [fanId.replace(/\/[^/]*\/\d+$/, ''), fanId.replace(/\/[^/]*$/, '')]) {
    if (parentArn === fanId || !parentArn.includes(':execution:')) continue;
    const parent = await deps.store.getExecution(parentArn);
    if (!parent || !(await mapRunsInHistory(deps, parent)).some((m) => m.mapRunArn === arn)) continue;
    // reading the history carried out the parent's pending outbox: its children may exist now
    if (parent.outbox && !again) return loadMapRun(deps, arn, true);
    return { mapRunArn: arn, fanId, parent };
  }
  throw resourceNotFound(arn);
}

// ------------------------------------------------------------------ DescribeMapRun

function emptyCounts(total: number): MapRunCounts {
  return { pending: 0, running: 0, succeeded: 0, failed: 0, timedOut: 0, aborted: 0, total, resultsWritten: 0 };
}

/** Counts the children by status, reading them READ_PAGE at a time; also returns the latest child stopDate. */
async function countChildren(deps: EngineDeps, fanId: string, total: number): Promise<{ counts: MapRunCounts; lastStop?: string }> {
  const counts = emptyCounts(total);
  let lastStop: string | undefined;
  for (let from = 0; from < total; from += READ_PAGE) {
    const arns = Array.from({ length: Math.min(READ_PAGE, total - from) }, (_, i) => childArnOf(fanId, from + i));
    for (const rec of await deps.store.getExecutions(arns)) {
      // not written yet (the parent's outbox is being carried out), or created but not started by a worker
      if (!rec || (rec.status === 'RUNNING' && !rec.snapshot)) counts.pending++;
      else if (rec.status === 'RUNNING') counts.running++;
      else if (rec.status === 'SUCCEEDED') counts.succeeded++;
      else if (rec.status === 'FAILED') counts.failed++;
      else if (rec.status === 'TIMED_OUT') counts.timedOut++;
      else counts.aborted++;
      if (rec?.stopDate && (!lastStop || rec.stopDate > lastStop)) lastStop = rec.stopDate;
    }
  }
  return { counts, lastStop };
}

interface Tolerance {
  count?: number;
  percentage?: number;
}

/**
 * ToleratedFailureCount/Percentage as evaluated when the Map began (the parent's fan-out, while the
 * snapshot keeps it), else the literal values in the parent's definition (a ...Path or JSONata value
 * is then unknown and reported as 0). The child link does not carry them: the SpawnChildren order
 * that builds it comes from the interpreter, which does not pass them on.
 */
async function toleranceOf(deps: EngineDeps, src: MapRunSource): Promise<Tolerance> {
  const fan = Object.values(src.parent.snapshot?.runs ?? {}).find((r) => r.fanOut?.spread?.fanId === src.fanId)?.fanOut;
  if (fan) return { count: fan.toleratedFailureCount, percentage: fan.toleratedFailurePercentage };
  if (!src.link) return {};
  try {
    const def = await definitionFor(deps, src.parent);
    // the children run the Map's ItemProcessor: the Map state is the object holding it
    const state = machineAt(def, src.link.machinePath.slice(0, -1)) as unknown as Record<string, unknown>;
    const num = (v: unknown) => (typeof v === 'number' ? v : undefined);
    return { count: num(state?.ToleratedFailureCount), percentage: num(state?.ToleratedFailurePercentage) };
  } catch {
    return {};
  }
}

/**
 * The Map Run's status, derived (nothing stores it):
 *  - the parent has a run waiting on this fan-out's token: RUNNING while the parent runs; ABORTED when
 *    the parent ended around it (stopped, timed out, failed in another branch; a redrive resumes it);
 *  - the parent still holds the fan-out but no longer waits on it: the Map failed (the engine keeps a
 *    failed fan-out so a redrive can resume it) -> FAILED;
 *  - the fan-out is gone (the Map finished and its state moved on, or was caught or retried): from
 *    the children, SUCCEEDED when all ended and their failures are within the tolerated threshold,
 *    else FAILED.
 */
function statusOf(src: MapRunSource, counts: MapRunCounts, tolerance: Tolerance): MapRunStatus {
  const runs = Object.values(src.parent.snapshot?.runs ?? {});
  const token = src.link?.token;
  if (token !== undefined && runs.some((r) => r.waiting?.kind === 'children' && r.waiting.token === token)) return src.parent.status === 'RUNNING' ? 'RUNNING' : 'ABORTED';
  if (runs.some((r) => r.fanOut?.spread?.fanId === src.fanId)) return 'FAILED';
  const unfinished = counts.pending + counts.running;
  const failures = counts.failed + counts.timedOut + counts.aborted;
  return unfinished === 0 && failureTolerated(failures, counts.total, tolerance) ? 'SUCCEEDED' : 'FAILED';
}

export async function describeMapRun(deps: EngineDeps, mapRunArn: unknown): Promise<MapRunDescription> {
  const src = await loadMapRun(deps, mapRunArn);
  if (!src.link) return describeChildless(deps, src);
  const { counts, lastStop } = await countChildren(deps, src.fanId, src.link.total);
  const tolerance = await toleranceOf(deps, src);
  const status = statusOf(src, counts, tolerance);
  // it stopped when its last child did, or (ABORTED) when its parent did, whichever came later
  const stops = [lastStop, status === 'ABORTED' ? src.parent.stopDate : undefined].filter((d): d is string => !!d).sort();
  return {
    mapRunArn: src.mapRunArn,
    executionArn: src.parent.executionArn,
    status,
    // every child record is written with the date its fan-out was carried out
    startDate: src.firstChild!.startDate,
    ...(status !== 'RUNNING' && stops.length ? { stopDate: stops[stops.length - 1] } : {}),
    maxConcurrency: src.link.maxConcurrency,
    toleratedFailurePercentage: tolerance.percentage ?? 0,
    toleratedFailureCount: tolerance.count ?? 0,
    itemCounts: counts,
    executionCounts: { ...counts },
  };
}

/** A Map Run with no child executions: its dates and outcome come from the parent's history. */
async function describeChildless(deps: EngineDeps, src: MapRunSource): Promise<MapRunDescription> {
  const item = (await mapRunsInHistory(deps, src.parent)).find((m) => m.mapRunArn === src.mapRunArn)!;
  const counts = emptyCounts(0);
  return {
    mapRunArn: src.mapRunArn,
    executionArn: src.parent.executionArn,
    status: item.stopDate === undefined ? 'RUNNING' : item.outcome ?? 'SUCCEEDED',
    startDate: item.startDate,
    ...(item.stopDate ? { stopDate: item.stopDate } : {}),
    maxConcurrency: 0,
    toleratedFailurePercentage: 0,
    toleratedFailureCount: 0,
    itemCounts: counts,
    executionCounts: { ...counts },
  };
}

// ------------------------------------------------------------------ ListMapRuns

const HISTORY_PAGE = 1000;
const END_OF_EXECUTION = new Set(['ExecutionFailed', 'ExecutionAborted', 'ExecutionTimedOut']);

/**
 * The Map Runs a record started, from its history's MapRunStarted events, oldest first. The stop of
 * each is found in the events up to the next MapRunStarted (one record's spread Map Runs never
 * overlap: a fan-out holding a spread Map holds a Task, so it is spread itself): the last
 * MapRunSucceeded/MapRunFailed there (a redriven Map ends again), else the last end of the execution
 * (stopped or timed out while the Map waited). One still waited on by the parent has no stop.
 */
async function mapRunsInHistory(deps: EngineDeps, rec: ExecutionRecord): Promise<(MapRunListItem & { outcome?: MapRunStatus })[]> {
  // the events of the last committed step are written just after it: write them first (safe to repeat)
  await writeOutboxForReaders(deps, rec);
  const found: (MapRunListItem & { outcome?: MapRunStatus; executionEnd?: string })[] = [];
  let nextToken: string | undefined;
  do {
    const page = await deps.store.getHistory(rec.executionArn, { maxResults: HISTORY_PAGE, nextToken });
    for (const e of page.items) {
      const open = found[found.length - 1];
      if (e.type === 'MapRunStarted') {
        const mapRunArn = (e.mapRunStartedEventDetails as { mapRunArn?: string } | undefined)?.mapRunArn;
        if (mapRunArn) found.push({ executionArn: rec.executionArn, mapRunArn, stateMachineArn: rec.stateMachineArn, startDate: e.timestamp });
      } else if (open && (e.type === 'MapRunSucceeded' || e.type === 'MapRunFailed')) {
        open.stopDate = e.timestamp;
        open.outcome = e.type === 'MapRunSucceeded' ? 'SUCCEEDED' : 'FAILED';
      } else if (open && END_OF_EXECUTION.has(e.type)) open.executionEnd = e.timestamp;
    }
    nextToken = page.nextToken;
  } while (nextToken);
  const waitedOn = new Set(rec.status === 'RUNNING' ? Object.values(rec.snapshot?.runs ?? {}).flatMap((r) => (r.waiting?.kind === 'children' && r.waiting.token ? [r.waiting.token] : [])) : []);
  return found.map(({ executionEnd, ...m }) => {
    const token = fanIdOfMapRun(m.mapRunArn).split('/').pop()!;
    if (waitedOn.has(token)) return { ...m, stopDate: undefined, outcome: undefined };
    if (m.stopDate === undefined && executionEnd !== undefined) return { ...m, stopDate: executionEnd, outcome: 'ABORTED' as const };
    return m;
  });
}

/** A page token: the next position, tied to the listing it came from (another one's token is refused). */
function encodePosition(listing: string, index: number): string {
  return Buffer.from(JSON.stringify({ l: listingKey(listing), i: index }), 'utf8').toString('base64url');
}

function decodePosition(token: string | undefined, listing: string, max: number): number {
  if (token === undefined || token === '') return 0;
  let v: unknown;
  try {
    v = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    throw apiError.invalidToken(`Invalid Token: '${token}'`);
  }
  const p = v as { l?: unknown; i?: unknown };
  if (!p || typeof p !== 'object' || p.l !== listingKey(listing) || typeof p.i !== 'number' || !Number.isInteger(p.i) || p.i < 0 || p.i > max) {
    throw apiError.invalidToken(`Invalid Token: '${token}' (not a token of this listing)`);
  }
  return p.i;
}

function listingKey(listing: string): string {
  return createHash('sha256').update(listing).digest('base64url').slice(0, 16);
}

/** maxResults read by the one rule (ports.ts), refused as the API refuses it. */
function pageSize(maxResults: number | undefined): number {
  try {
    return pageSizeOf(maxResults);
  } catch (e) {
    throw pageErrorAsApi(e);
  }
}

export async function listMapRuns(deps: EngineDeps, q: { executionArn: unknown; maxResults?: number; nextToken?: string }): Promise<Page<MapRunListItem>> {
  const rec = await requireExecution(deps, q.executionArn);
  const size = pageSize(q.maxResults);
  const all = (await mapRunsInHistory(deps, rec)).map(({ outcome: _outcome, ...m }) => m);
  const from = decodePosition(q.nextToken, `maprun-list:${rec.executionArn}`, all.length);
  const items = all.slice(from, from + size);
  return { items, ...(from + size < all.length ? { nextToken: encodePosition(`maprun-list:${rec.executionArn}`, from + size) } : {}) };
}

// ------------------------------------------------------------------ ListExecutions(mapRunArn)

const STATUSES: ExecutionStatus[] = ['RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED'];

/**
 * The child executions of a Map Run in index order. The token holds the next index to read. With a
 * statusFilter at most MAX_SCAN children are read per call, so a page may hold fewer than maxResults
 * items and still carry a nextToken (AWS allows that: maxResults is only an upper limit).
 */
export async function listMapRunExecutions(
  deps: EngineDeps,
  q: { mapRunArn: unknown; statusFilter?: string; maxResults?: number; nextToken?: string },
): Promise<Page<MapRunExecutionItem>> {
  if (q.statusFilter !== undefined && !STATUSES.includes(q.statusFilter as ExecutionStatus)) {
    throw apiError.validation(`Value '${q.statusFilter}' at 'statusFilter' failed to satisfy constraint: Member must satisfy enum value set: [${STATUSES.join(', ')}]`);
  }
  const size = pageSize(q.maxResults);
  const src = await loadMapRun(deps, q.mapRunArn);
  const total = src.link?.total ?? 0;
  const listing = `maprun-executions:${src.mapRunArn}#${q.statusFilter ?? ''}`;
  let index = decodePosition(q.nextToken, listing, total);
  const items: MapRunExecutionItem[] = [];
  const scanEnd = Math.min(total, q.statusFilter ? index + MAX_SCAN : index + size);
  while (index < scanEnd && items.length < size) {
    const n = Math.min(READ_PAGE, scanEnd - index, q.statusFilter ? READ_PAGE : size - items.length);
    const arns = Array.from({ length: n }, (_, i) => childArnOf(src.fanId, index + i));
    const records = await deps.store.getExecutions(arns);
    let used = 0;
    for (const rec of records) {
      used++;
      if (rec && (!q.statusFilter || rec.status === q.statusFilter)) items.push(childItem(rec, src.mapRunArn));
      if (items.length === size) break;
    }
    index += used;
  }
  return { items, ...(index < total ? { nextToken: encodePosition(listing, index) } : {}) };
}

function childItem(rec: ExecutionRecord, mapRunArn: string): MapRunExecutionItem {
  return {
    executionArn: rec.executionArn,
    stateMachineArn: rec.stateMachineArn,
    name: rec.name,
    status: rec.status,
    startDate: rec.startDate,
    ...(rec.stopDate ? { stopDate: rec.stopDate } : {}),
    mapRunArn,
    // one item per child execution (an ItemBatcher batch also runs as one child)
    itemCount: 1,
    redriveCount: rec.snapshot?.execution.redriveCount ?? 0,
  };
}

// ------------------------------------------------------------------ results (Stepwright's ResultWriter)

export interface MapRunResult {
  index: number;
  executionArn: string;
  status: ExecutionStatus;
  /** the item's output (JSON), when it succeeded */
  output?: unknown;
  error?: string;
  cause?: string;
}

/**
 * The results of a Map Run, in item order, a page at a time: where a Map with a ResultWriter keeps
 * them (with its children) instead of in its state output, so a result set far over the 256 KiB
 * state limit is still whole and readable. Stepwright's own operation (AWS writes to S3 instead).
 */
export async function getMapRunResults(deps: EngineDeps, q: { mapRunArn: unknown; maxResults?: number; nextToken?: string }): Promise<Page<MapRunResult>> {
  const size = pageSize(q.maxResults);
  const src = await loadMapRun(deps, q.mapRunArn);
  const total = src.link?.total ?? 0;
  const listing = `maprun-results:${src.mapRunArn}`;
  const from = decodePosition(q.nextToken, listing, total);
  const to = Math.min(total, from + size);
  const arns = Array.from({ length: to - from }, (_, i) => childArnOf(src.fanId, from + i));
  const records = await deps.store.getExecutions(arns);
  const items = records.map((rec, i): MapRunResult => {
    const r: MapRunResult = { index: from + i, executionArn: arns[i], status: rec?.status ?? 'RUNNING' };
    if (rec?.status === 'SUCCEEDED' && rec.output !== undefined) r.output = JSON.parse(rec.output);
    if (rec?.error !== undefined) r.error = rec.error;
    if (rec?.cause !== undefined) r.cause = rec.cause;
    return r;
  });
  return { items, ...(to < total ? { nextToken: encodePosition(listing, to) } : {}) };
}

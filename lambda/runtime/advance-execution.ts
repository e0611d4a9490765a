/**
 * Applies one event to one stored execution, exactly once:
 *
 *   read (consistent) -> finish the previous outbox if a crash left one -> interpreter.advance
 *   -> conditional write of {snapshot, outbox} on the version -> flush the outbox
 *      (history items, follow-up messages) -> clear the outbox (conditional on the new version)
 *
 * The snapshot and the effects of a step are committed together in one conditional write (an
 * outbox), so a crash anywhere after the commit only repeats idempotent work: history items are
 * keyed by event id, and every queue message is checked against the snapshot by its token. A crash
 * before the commit leaves nothing behind; the redelivered message does it all again.
 */
import { LRUCache } from 'lru-cache';
import { advance } from '../engine/interpreter';
import { fullJitterBackoff } from '../backoff';
import type { StateMachineDefinition } from '../engine/definition';
import type { ExecutionSnapshot, IncomingEvent } from '../engine/types';
import type { HistoryEvent } from '../engine/history';
import type { ExecutionRecord, FanOutOrder, InlineTaskClaim, OutgoingMessage } from '../ports';
import { effectsToMessages } from './effects';
import type { EngineDeps } from './deps';
import { carryOutFanOut } from './fan-out-orders';
import { taskTokensOf } from './task-tokens';
import { syncChildStops, syncChildWaits } from './integrations/sync-children';
import { markScheduleFailure } from './integrations/activity';
import { inlineRunInProgress } from './inline-runs';

const MAX_CONFLICT_RETRIES = 20;

/**
 * Parsed definitions by state machine revision: revisions never change once written. Bounded, least
 * recently used out first: a long-running server whose machines are created or updated again and
 * again would otherwise keep every revision it ever ran.
 */
const definitions = new LRUCache<string, StateMachineDefinition>({ max: 1000 });

export async function definitionFor(deps: EngineDeps, rec: Pick<ExecutionRecord, 'stateMachineArn' | 'revisionId'>): Promise<StateMachineDefinition> {
  const key = `${rec.stateMachineArn}#${rec.revisionId}`;
  let def = definitions.get(key);
  if (!def) {
    const text = await deps.store.getDefinitionRevision(rec.stateMachineArn, rec.revisionId);
    if (text === undefined) throw new Error(`definition revision ${rec.revisionId} of ${rec.stateMachineArn} is missing`);
    def = JSON.parse(text) as StateMachineDefinition;
    definitions.set(key, def);
  }
  return def;
}

/**
 * The outbox this process flushes (or last flushed) per execution, by version. A handler that read a
 * record whose outbox this process is flushing, or has flushed already (the read raced the clearing
 * write, or is older still), does not send every message again: that would be harmless, but each
 * duplicate invoke costs a claim check and a delayed re-check. Another process may still flush twice.
 */
interface FlushEntry {
  version: number;
  done: Promise<boolean>;
  cleared: Promise<boolean>;
  /** set once `done` resolved true: the outbox's effects are out (its record may still hold it, uncleared) */
  settled?: boolean;
  /** an inline step's flush that left its history to the next commit of the chain (flushInline) */
  historyDeferred?: boolean;
}
const flushesByStore = new WeakMap<object, LRUCache<string, FlushEntry>>();
const MAX_REMEMBERED_FLUSHES = 10_000;

function flushesOf(deps: EngineDeps): LRUCache<string, FlushEntry> {
  let flushes = flushesByStore.get(deps.store);
  if (!flushes) flushesByStore.set(deps.store, (flushes = new LRUCache({ max: MAX_REMEMBERED_FLUSHES })));
  return flushes;
}

/** Remembers a flush of `version`'s outbox in progress (`done`) and whether its clearing write won (`cleared`). */
function remember(deps: EngineDeps, arn: string, version: number, done: Promise<unknown>, cleared: Promise<boolean>): FlushEntry {
  const entry: FlushEntry = { version, done: done.then(() => true, () => false), cleared };
  void entry.done.then((ok) => (entry.settled = ok));
  flushesOf(deps).set(arn, entry); // the least recently used entry goes first when the cache is full
  return entry;
}

/**
 * Whether this process has carried out `rec`'s outbox already (a flush that left it uncleared: an inline
 * task's, or one whose clearing lost a race). The next commit may then replace it.
 */
export function flushedHere(deps: EngineDeps, rec: ExecutionRecord): boolean {
  const known = flushesByStore.get(deps.store)?.get(rec.executionArn);
  return !!known && known.version === rec.version && known.settled === true;
}

/**
 * The events of `rec`'s outbox whose history this process left to the next commit (an inline step's,
 * flushInline): that commit's outbox carries them, and its flush writes both steps as one history item.
 */
function deferredHere(deps: EngineDeps, rec: ExecutionRecord): HistoryEvent[] {
  const known = flushesByStore.get(deps.store)?.get(rec.executionArn);
  return rec.outbox && known?.historyDeferred && known.version === rec.version && known.settled ? rec.outbox.events : [];
}

/**
 * Writes a committed outbox's history and messages, then clears it. Safe to run twice. Returns the
 * cleared record, or `rec` unchanged when the outbox is someone else's business (read again then).
 */
export async function flushOutbox(deps: EngineDeps, rec: ExecutionRecord, opts: { keepEnded?: boolean } = {}): Promise<ExecutionRecord> {
  if (!rec.outbox) return rec;
  const flushes = flushesOf(deps);
  const arn = rec.executionArn;
  const known = flushes.get(arn);
  if (known && rec.version <= known.version) {
    // The same outbox: wait for that flush. An older one: the record has moved on since it was read, and
    // no commit happens over an unflushed outbox, so it was flushed long ago.
    if (rec.version === known.version && !(await known.done)) {
      // That flush failed (its delivery "crashed"), and its message may already count as handled: a
      // redelivery that acknowledged itself after waiting would leave the outbox to nobody. Flush it here.
      if (flushes.get(arn) === known) flushes.delete(arn);
      return flushOutbox(deps, rec);
    }
    return rec;
  }
  const done = writeOutbox(deps, rec, opts.keepEnded === true);
  // Only whether it succeeded is remembered, not the record it resolves to: 10,000 whole records
  // (snapshot, input, output) would otherwise stay reachable from this map in a long-running server.
  // `cleared`: whether this flush's clearing write won (the stored record is then `rec` cleared, one version on)
  const entry = remember(deps, arn, rec.version, done, done.then((r) => r.outbox === undefined, () => false));
  try {
    return await done;
  } catch (e) {
    // Failed (a crash, for the tests' fault hook): whoever sees this outbox next must flush it.
    if (flushes.get(arn) === entry) flushes.delete(arn);
    throw e;
  }
}

/**
 * Whether `rec`'s outbox needs nothing more: none, one this process carried out, or the last step of a
 * finished execution whose events are in its history (its worker leaves that outbox, see writeOutbox).
 */
export async function outboxSettled(deps: EngineDeps, rec: ExecutionRecord): Promise<boolean> {
  const outbox = rec.outbox;
  if (!outbox || (flushedHere(deps, rec) && !deferredHere(deps, rec).length)) return true;
  if (rec.status === 'RUNNING') return false;
  const last = outbox.events[outbox.events.length - 1];
  if (!last) return outbox.messages.length === 0 && !outbox.fanOuts?.length;
  const top = await deps.store.getHistory(rec.executionArn, { reverseOrder: true, maxResults: 1 });
  return (top.items[0]?.id ?? 0) >= last.id;
}

/**
 * For a reader of the history (GetExecutionHistory, the Map Runs): the events of the last commit
 * written, since they are written just after it. An inline task's outbox is otherwise left to the
 * worker running that task (flushing it would send the invoke again and clear it under that worker).
 */
export async function writeOutboxForReaders(deps: EngineDeps, rec: ExecutionRecord): Promise<void> {
  const outbox = rec.outbox;
  if (!outbox || (await outboxSettled(deps, rec))) return;
  if (!outbox.inline) {
    await flushOutbox(deps, rec);
    return;
  }
  if (outbox.events.length) await deps.store.appendHistory(rec.executionArn, outbox.events);
}

/**
 * The record as this process's flush of `rec`'s outbox left it (the outbox cleared, one version on),
 * once that flush is over; undefined when this process did not clear that outbox. A worker that read
 * the record before the clearing landed (an invoke message overtaking it; locally, every time) then
 * applies the task's answer without reading the record again. Safe even if the record has moved on
 * since: it is only the `known` record of applyEvent, whose commit is conditional on the version.
 */
export async function clearedHere(deps: EngineDeps, rec: ExecutionRecord): Promise<ExecutionRecord | undefined> {
  const known = rec.outbox ? flushesByStore.get(deps.store)?.get(rec.executionArn) : undefined;
  if (!known || known.version !== rec.version || !(await known.cleared)) return undefined;
  return { ...rec, outbox: undefined, version: rec.version + 1 };
}

/** The history, fan-out orders and `messages` of `rec`'s outbox, in that order (a message may start what the others record). */
async function writeEffects(deps: EngineDeps, rec: ExecutionRecord, messages: OutgoingMessage[], deferHistory = false): Promise<void> {
  const outbox = rec.outbox!;
  if (outbox.events.length && !deferHistory) await deps.store.appendHistory(rec.executionArn, outbox.events);
  deps.fault?.('after-history');
  for (const order of outbox.fanOuts ?? []) await carryOutFanOut(deps, rec, order);
  if (messages.length) await deps.queue.send(messages);
  deps.fault?.('after-send');
}

/**
 * The messages a flush of `rec`'s outbox sends. An inline task's invoke (Outbox.inline: the committing
 * worker claimed the attempt and runs it itself) is left out while this process runs it; it is sent when
 * its worker is known to be gone (this local process, not running it any more; another local process,
 * dead), and otherwise sent behind a claim item holding the commit's lease, as if that worker had
 * claimed it with an item: the attempt runs again only once the lease is over (the crash window).
 */
async function messagesToFlush(deps: EngineDeps, rec: ExecutionRecord): Promise<OutgoingMessage[]> {
  const { messages, inline } = rec.outbox!;
  if (!inline) return messages;
  const isInline = (m: OutgoingMessage) => m.body.kind === 'invoke' && m.body.task.token === inline.token;
  if (inlineRunInProgress(deps.store, rec.executionArn, inline.token)) return messages.filter((m) => !isInline(m));
  // the local runtime is one process: a run of its own that is not in progress is over (it failed before
  // answering), and another process's died with it. Nobody holds the attempt then.
  if (deps.soleClaimHolder) return messages;
  await deps.store.holdClaim(rec.executionArn, inline.token, inline.leaseUntil);
  return messages;
}

/**
 * Whether an inline task's worker may still be running it (the reconciler leaves it alone then): known
 * in this process; locally, nobody else can be (one process); on AWS nobody can tell, and the lease decides.
 */
export function inlineTaskBusy(deps: EngineDeps, executionArn: string, inline: InlineTaskClaim): boolean {
  if (inlineRunInProgress(deps.store, executionArn, inline.token)) return true;
  if (deps.soleClaimHolder) return false;
  return deps.clock.now().getTime() < inline.leaseUntil;
}

function forgetFlush(deps: EngineDeps, rec: ExecutionRecord): void {
  const flushes = flushesOf(deps);
  if (flushes.get(rec.executionArn)?.version === rec.version) flushes.delete(rec.executionArn);
}

/**
 * Writes an inline task's outbox: everything but that task's invoke, which the caller runs next. Not
 * cleared: the commit of the task's answer replaces the outbox (flushedHere says it may).
 */
async function flushInline(deps: EngineDeps, rec: ExecutionRecord, inlineMessage: OutgoingMessage, deferHistory: boolean): Promise<void> {
  const done = writeEffects(deps, rec, rec.outbox!.messages.filter((m) => m !== inlineMessage), deferHistory);
  const entry = remember(deps, rec.executionArn, rec.version, done, Promise.resolve(false));
  entry.historyDeferred = deferHistory;
  try {
    await done;
    entry.settled = true;
  } catch (e) {
    forgetFlush(deps, rec);
    throw e;
  }
}

/**
 * `keepEnded`: the committing worker's own flush of an execution's last step leaves the outbox in the
 * record rather than clearing it (2 write units on a record of 1-2 KB, the last write of every
 * execution and spread item). Nothing waits on a finished execution's outbox: redelivery of the
 * committing message finishes a flush that died, and readers of the history tell a written last step
 * by its events (outboxSettled).
 */
async function writeOutbox(deps: EngineDeps, rec: ExecutionRecord, keepEnded: boolean): Promise<ExecutionRecord> {
  await writeEffects(deps, rec, await messagesToFlush(deps, rec));
  if (keepEnded && rec.status !== 'RUNNING') return rec;
  const cleared: ExecutionRecord = { ...rec, outbox: undefined, version: rec.version + 1 };
  // Losing this race is fine: whoever moved the version on has flushed this outbox first.
  return (await deps.store.updateExecution(cleared, rec.version)) ? cleared : rec;
}

/** applyEvent lost the race for the execution's version too many times in a row: the event was not applied. */
export class ContentionError extends Error {
  override name = 'ContentionError';
}

export type ApplyOutcome = 'applied' | 'ignored' | 'missing';

/**
 * Applies `event` to the execution. 'ignored' means the interpreter had nothing to do with it
 * (a stale or duplicate message, or an execution that has already ended).
 */
/** States one worker invocation runs before it hands the rest to a continuation message. */
export const DEFAULT_MAX_STATES_PER_STEP = 500;

export interface ApplyOptions {
  /** run from now on with this revision of the state machine (a redrive onto a corrected definition) */
  revisionId?: string;
  /** a spread child redriven by its redriven parent: remember the generation, so a duplicate start does not redrive it again */
  childRedriven?: boolean;
  /**
   * The record as the caller has just read it: used instead of the first read. A stale one costs
   * only a lost conditional write (and a read then); a fresh one saves a read on every message.
   */
  known?: ExecutionRecord;
  /** the worker's inline task runs (runtime/inline-task.ts); the API and others leave it out */
  inline?: InlineTasks;
}

/** How a worker runs a task attempt right after the commit that scheduled it (runtime/inline-task.ts). */
export interface InlineTasks {
  /** the invoke among a commit's messages to run in this invocation, with the claim the commit records; undefined: send them all */
  choose(messages: OutgoingMessage[], nowMs: number): Promise<{ message: OutgoingMessage; claim: InlineTaskClaim } | undefined>;
  /** runs it, once the commit and the rest of its outbox are written (`rec`: the committed record) */
  run(rec: ExecutionRecord, message: OutgoingMessage): Promise<void>;
}

/** Root execution inputs by store and ARN: a spread child's $$.Execution.Input (an input never changes). */
const rootInputsByStore = new WeakMap<object, LRUCache<string, Promise<unknown>>>();

/**
 * The input of the root execution `arn` ($$.Execution.Input for its spread children), read once per
 * process: a spread child's snapshot leaves it out (10,000 children need not store it 10,000 times).
 */
export async function rootInput(deps: EngineDeps, arn: string): Promise<unknown> {
  let inputs = rootInputsByStore.get(deps.store);
  if (!inputs) rootInputsByStore.set(deps.store, (inputs = new LRUCache({ max: MAX_REMEMBERED_FLUSHES })));
  let input = inputs.get(arn);
  if (!input) {
    // the promise is kept, not the value: a wave of children starting at once reads the root once
    input = deps.store.getExecution(arn).then((root): unknown => (root ? JSON.parse(root.input) : null));
    inputs.set(arn, input);
    input.catch(() => inputs.delete(arn));
  }
  return input;
}

async function withRootInput(deps: EngineDeps, snap: ExecutionSnapshot): Promise<void> {
  snap.execution.input = await rootInput(deps, snap.execution.arn);
}

function isFanOutOrder(e: { type: string }): e is FanOutOrder {
  return e.type === 'SpawnChildren' || e.type === 'StopChildren' || e.type === 'RedriveChildren';
}

/** A spread or `.sync` child stopped before it started (its parent stopped, its task timed out): it just ends, with no history. */
async function abortUnstartedChild(deps: EngineDeps, rec: ExecutionRecord): Promise<boolean> {
  const stopped: ExecutionRecord = { ...rec, status: 'ABORTED', stopDate: deps.clock.now().toISOString(), version: rec.version + 1 };
  return deps.store.updateExecution(stopped, rec.version);
}

export async function applyEvent(deps: EngineDeps, executionArn: string, event: IncomingEvent, opts: ApplyOptions = {}): Promise<ApplyOutcome> {
  for (let attempt = 0; attempt < MAX_CONFLICT_RETRIES; attempt++) {
    let rec = attempt === 0 && opts.known ? opts.known : await deps.store.getExecution(executionArn);
    if (!rec) return 'missing';
    deps.fault?.('after-read');
    if (rec.outbox && !flushedHere(deps, rec)) {
      rec = await flushOutbox(deps, rec);
      // someone else is moving this execution on: read again (an outbox this process carried out, left
      // uncleared, is replaced by this commit)
      if (rec.outbox && !flushedHere(deps, rec)) continue;
    }
    // a parent's stop that a redrive of the parent has overtaken: the child runs on in the new generation
    if (event.type === 'StopExecution' && event.generation !== undefined && rec.child && rec.child.generation !== event.generation) return 'ignored';
    if (event.type === 'StopExecution' && (rec.child || rec.startedBy) && !rec.snapshot && rec.status === 'RUNNING') {
      if (await abortUnstartedChild(deps, rec)) return 'applied';
      continue;
    }
    if (event.type === 'RedriveExecution' && rec.status !== 'RUNNING' && rec.snapshot) {
      // a redrive is the one event a finished execution takes
    } else if (event.type === 'StartExecution' ? rec.snapshot !== undefined || rec.status !== 'RUNNING' : rec.status !== 'RUNNING' || !rec.snapshot) return 'ignored';
    if (opts.revisionId) rec = { ...rec, revisionId: opts.revisionId };
    const definition = await definitionFor(deps, rec);
    const now = deps.clock.now();
    const isChild = rec.snapshot?.child !== undefined || (event.type === 'StartExecution' && event.child !== undefined);
    if (rec.snapshot?.child) await withRootInput(deps, rec.snapshot);
    // read before advance, which moves the snapshot on in place
    const syncWaits = syncChildWaits(executionArn, definition, rec.snapshot, event);
    const result = await advance(definition, rec.snapshot, event, now, {
      random: deps.random,
      maxStatesPerStep: deps.maxStatesPerStep ?? DEFAULT_MAX_STATES_PER_STEP,
      fanOut: deps.fanOut ?? 'auto',
      taskTokens: deps.taskTokens ? await taskTokensOf(deps) : undefined,
    });
    if (result.events.length === 0 && result.effects.length === 0 && !result.changed) return 'ignored';

    const snap = result.snapshot;
    if (isChild) delete snap.execution.input;
    markScheduleFailure(event, result.events); // an activity that does not exist: AWS's ActivityScheduleFailed
    const fanOuts = result.effects.filter(isFanOutOrder);
    const messages: OutgoingMessage[] = effectsToMessages(executionArn, result.effects, now.getTime(), deps.timeScale ?? 1);
    // A spread child that ended tells its parent's fan-in (through the outbox, so a crash cannot lose it).
    // It names the generation it ran in: a report from before its parent's redrive is then told apart.
    if (rec.child && snap.status !== 'RUNNING') messages.push({ body: { kind: 'fanIn', executionArn, generation: rec.child.generation } });
    // A nested execution started by a .sync task answers it when it ends; a .sync task the engine ended
    // (the parent stopped, the task or the parent timed out) stops its child.
    if (rec.startedBy && snap.status !== 'RUNNING') messages.push({ body: { kind: 'answerParent', executionArn } });
    messages.push(...syncChildStops(executionArn, syncWaits, event, result.effects, snap.status));
    const child = rec.child && opts.childRedriven ? { ...rec.child, redrivenGeneration: rec.child.generation } : rec.child;
    const inline = fanOuts.length ? undefined : await opts.inline?.choose(messages, now.getTime());
    // An inline step's history that its flush left for this commit (one step at most): carried in this outbox.
    const carried = deferredHere(deps, rec);
    const next: ExecutionRecord = {
      ...rec,
      version: rec.version + 1,
      snapshot: snap,
      status: snap.status,
      stopDate: snap.stopDate,
      output: snap.status === 'SUCCEEDED' ? JSON.stringify(snap.output ?? null) : undefined,
      error: snap.error,
      cause: snap.cause,
      outbox: { events: carried.length ? [...carried, ...result.events] : result.events, messages, ...(fanOuts.length ? { fanOuts } : {}), ...(inline ? { inline: inline.claim } : {}) },
      child,
    };
    if (!(await deps.store.updateExecution(next, rec.version))) {
      // Lost a race: read again, after a short random pause so that many racers (a wide fan-in) spread out.
      await new Promise((resolve) => setTimeout(resolve, fullJitterBackoff(attempt, 10, 200, () => deps.random.random())));
      continue;
    }
    deps.fault?.('after-commit');
    if (event.type === 'StartExecution') deps.onExecutionStarted?.(next);
    if (snap.status !== 'RUNNING') deps.onExecutionFinished?.(snap.status, executionArn, next);
    if (inline) {
      // The history of a step that runs a task inline waits for the next commit of the chain (one item for
      // both steps), unless this commit carries a deferred step already.
      await flushInline(deps, next, inline.message, carried.length === 0);
      try {
        await opts.inline!.run(next, inline.message);
      } catch (e) {
        // The task's invoke is the one effect of this outbox not out yet: whoever sees it next flushes it.
        forgetFlush(deps, next);
        throw e;
      }
    } else await flushOutbox(deps, next, { keepEnded: true });
    return 'applied';
  }
  throw new ContentionError(`execution ${executionArn}: too many concurrent updates, giving up for now (the message will be retried)`);
}

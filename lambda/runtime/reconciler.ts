/**
 * The reconciler: the engine's promise that an accepted execution always finishes, whatever process
 * dies when. Normal operation never needs it — a work message is acknowledged only after the commit
 * it caused has been flushed (history written, follow-up messages sent), so a worker that dies is
 * replaced by the message's redelivery. What redelivery cannot cover:
 *   - the API dying between its conditional put and its start message (RUNNING, never started);
 *   - a commit made outside a work message (SendTaskSuccess/Failure, StopExecution, Redrive) whose
 *     process died before the outbox was flushed (its history and messages never written);
 *   - a queue message that was lost after all (a local queue file damaged, a message deleted by hand);
 *   - on AWS, a worker killed mid-message: its message comes back only after the queue's visibility
 *     timeout (90 minutes in the stack); the reconciler resumes the execution well before that.
 *
 * For an execution that has not been written for `staleAfter`, it does again what the last commit
 * promised: flush a left-over outbox, send the start, fire timers that are past due, send the invoke
 * of a plain task whose lease has run out, and look into the children of a spread fan-out. Everything
 * it sends is idempotent (applied by token, claimed per attempt, or ignored by version), so running it
 * on a healthy execution costs reads and, at worst, messages that are ignored.
 *
 * Two ways in: `sweep` lists every RUNNING execution (locally at start and periodically; on AWS a
 * scheduled function in the stack), and the `reconcile` work message checks one execution (the API
 * sends it, delayed, before each commit it makes itself).
 */
import type { ExecutionRecord, OutgoingMessage, WorkMessage } from '../ports';
import type { Run } from '../engine/types';
import type { EngineDeps } from './deps';
import { flushOutbox, inlineTaskBusy } from './advance-execution';
import { childArnOf } from './fan-out-orders';
import { isCallbackResource } from './callbacks';
import { forEachLimited } from '../for-each-limited';
import { logger } from './logger';

/** Records checked at once during a sweep. */
const SWEEP_CONCURRENCY = 8;
/** Child records read per request when a stale fan-out is looked into. */
const CHILD_PAGE = 100;
/** A plain task's claim lasts its timeout plus this margin (process-message.ts); an invoke is re-sent only after it. */
const TASK_LEASE_MARGIN_SECONDS = 60;
const DEFAULT_TASK_SECONDS = 900;

export interface ReconcileOptions {
  /** an execution written more recently than this is left alone (ms) */
  staleAfterMs: number;
  /**
   * epoch ms: an execution last written before this also counts as stale (a process that has just
   * started knows that whatever was in flight before it began died with its predecessor)
   */
  writtenBefore?: number;
}

/** What a sweep or a reconcile did, for logs, metrics and tests. */
export interface ReconcileReport {
  checked: number;
  /** outboxes flushed */
  flushed: number;
  /** start messages sent for executions that were never started */
  started: number;
  /** messages re-sent from waits (timers past due, invokes past their lease, fan-in of finished children) */
  resent: number;
}

export function emptyReport(): ReconcileReport {
  return { checked: 0, flushed: 0, started: 0, resent: 0 };
}

function addInto(into: ReconcileReport, r: ReconcileReport): void {
  into.checked += r.checked;
  into.flushed += r.flushed;
  into.started += r.started;
  into.resent += r.resent;
}

/** Reconciles every RUNNING execution of every state machine (spread children through their parents). */
export async function sweep(deps: EngineDeps, opts: ReconcileOptions): Promise<ReconcileReport> {
  const report = emptyReport();
  let machinesToken: string | undefined;
  do {
    const machines = await deps.store.listStateMachines({ maxResults: 100, nextToken: machinesToken });
    for (const sm of machines.items) {
      let token: string | undefined;
      do {
        const page = await deps.store.listExecutions(sm.arn, { statusFilter: 'RUNNING', maxResults: 1000, nextToken: token });
        const records = await deps.store.getExecutions(page.items.map((e) => e.executionArn));
        await forEachLimited(records, SWEEP_CONCURRENCY, async (rec) => {
          if (!rec) return;
          try {
            addInto(report, await reconcileRecord(deps, rec, opts));
          } catch (e) {
            // One execution that cannot be reconciled now must not stop the sweep for the others.
            logger.warn('reconcile failed; the next sweep tries again', { executionArn: rec.executionArn, error: String((e as Error)?.message ?? e) });
          }
        });
        token = page.nextToken;
      } while (token);
    }
    machinesToken = machines.nextToken;
  } while (machinesToken);
  if (report.flushed + report.started + report.resent > 0) logger.info('reconciler resumed executions', { ...report });
  return report;
}

/** Reconciles one execution by ARN (the `reconcile` work message). */
export async function reconcileExecution(deps: EngineDeps, executionArn: string, opts: ReconcileOptions): Promise<ReconcileReport> {
  const rec = await deps.store.getExecution(executionArn);
  return rec ? reconcileRecord(deps, rec, opts) : emptyReport();
}

function ageMs(deps: EngineDeps, rec: ExecutionRecord): number {
  return deps.clock.now().getTime() - Date.parse(rec.updatedAt ?? rec.startDate);
}

function isStale(deps: EngineDeps, rec: ExecutionRecord, opts: ReconcileOptions): boolean {
  if (ageMs(deps, rec) >= opts.staleAfterMs) return true;
  return opts.writtenBefore !== undefined && Date.parse(rec.updatedAt ?? rec.startDate) < opts.writtenBefore;
}

export async function reconcileRecord(deps: EngineDeps, rec: ExecutionRecord, opts: ReconcileOptions): Promise<ReconcileReport> {
  const report = emptyReport();
  report.checked = 1;
  if (!isStale(deps, rec, opts)) return report;
  const inline = rec.outbox?.inline;
  // An inline task is its worker's to finish (one that died leaves it to the lease, as a claim item would).
  if (inline && inlineTaskBusy(deps, rec.executionArn, inline)) return report;
  if (rec.outbox) {
    // The last commit's effects may never have reached the world: do them (idempotent). What the
    // execution waits for next is then in flight; a later pass looks again if it still does not move.
    await flushOutbox(deps, rec);
    report.flushed = 1;
    return report;
  }
  if (rec.status !== 'RUNNING') return report;
  const arn = rec.executionArn;
  if (!rec.snapshot) {
    // A spread child that has not started waits for its turn (MaxConcurrency): its parent's pass decides.
    if (rec.child) return report;
    await deps.queue.send([{ body: { kind: 'start', executionArn: arn } }]);
    report.started = 1;
    return report;
  }
  const messages = waitMessages(deps, rec, opts);
  if (messages.length) await deps.queue.send(messages);
  report.resent += messages.length;
  for (const run of Object.values(rec.snapshot.runs)) {
    const spread = run.fanOut?.spread;
    if (run.status === 'RUNNING' && run.waiting?.kind === 'children' && spread) addInto(report, await reconcileChildren(deps, run, opts));
  }
  return report;
}

/** The messages a stale execution's waits would have had, where re-sending is safe. */
function waitMessages(deps: EngineDeps, rec: ExecutionRecord, opts: ReconcileOptions): OutgoingMessage[] {
  const snap = rec.snapshot!;
  const now = deps.clock.now().getTime();
  const age = ageMs(deps, rec);
  const arn = rec.executionArn;
  const out: OutgoingMessage[] = [];
  const event = (token: string): WorkMessage => ({ kind: 'event', executionArn: arn, event: { type: 'TimerFired', token } });
  // a long loop paused itself with a timer due at once
  if (snap.continueToken) out.push({ body: event(snap.continueToken) });
  // With a time scale above 1 (slower than real time) a timer's real due time is later than `until`:
  // firing it early would cut a Wait short, so such timers are left to their own messages.
  const timersSafe = (deps.timeScale ?? 1) <= 1;
  for (const run of Object.values(snap.runs)) {
    const w = run.waiting;
    if (run.status !== 'RUNNING' || !w) continue;
    if ((w.kind === 'timer' || w.kind === 'retry') && timersSafe && now >= Date.parse(w.until) + opts.staleAfterMs) out.push({ body: event(w.token) });
    if (w.kind === 'task' && !isCallbackResource(w.resource)) {
      // A plain task's invoke is claimed per attempt: a second invoke message finds the claim and waits for
      // its lease; once the lease is over, the holder died and the task is invoked again (the documented
      // crash window). A callback task is never re-sent: it may have handed its token out already.
      const leaseMs = ((w.timeoutSeconds ?? DEFAULT_TASK_SECONDS) + TASK_LEASE_MARGIN_SECONDS) * 1000;
      if (age >= leaseMs + opts.staleAfterMs) out.push({ body: invokeMessage(rec, run) });
    }
  }
  return out;
}

/** The invoke message of a run's current task attempt, rebuilt from the snapshot (as the interpreter built it). */
function invokeMessage(rec: ExecutionRecord, run: Run): WorkMessage {
  const w = run.waiting as Extract<Run['waiting'], { kind: 'task' }>;
  return {
    kind: 'invoke',
    executionArn: rec.executionArn,
    task: {
      type: 'InvokeTask',
      token: w.token,
      runId: run.id,
      stateName: run.stateName,
      resource: w.resource,
      input: w.effectiveInput,
      waitForTaskToken: false,
      ...(w.timeoutSeconds !== undefined ? { timeoutSeconds: w.timeoutSeconds } : {}),
      ...(w.heartbeatSeconds !== undefined ? { heartbeatSeconds: w.heartbeatSeconds } : {}),
      attempt: run.retryCounts.reduce((a, b) => a + b, 0) + 1,
      executionArn: rec.snapshot!.execution.arn,
    },
  };
}

/**
 * A stale parent waiting on spread children: reconcile the children that are moving or hold an
 * outbox. When none is moving any more (none running, none written within the bound), the fan-in
 * itself must have lost a message (a successor's
 * start, a `collect`): report every ended child again (fanIn is idempotent: a set addition and an
 * event applied by index) and start the first wave's unstarted ones (startChild ignores a started child).
 */
async function reconcileChildren(deps: EngineDeps, parentRun: Run, opts: ReconcileOptions): Promise<ReconcileReport> {
  const report = emptyReport();
  const fan = parentRun.fanOut!;
  const { fanId } = fan.spread!;
  let active = false;
  const ended: ExecutionRecord[] = [];
  const unstarted: ExecutionRecord[] = [];
  for (let from = 0; from < fan.total; from += CHILD_PAGE) {
    const arns = Array.from({ length: Math.min(CHILD_PAGE, fan.total - from) }, (_, i) => childArnOf(fanId, from + i));
    for (const child of await deps.store.getExecutions(arns)) {
      if (!child?.child) continue;
      // (an ended child's outbox is its message's business: its worker keeps it, see writeOutbox)
      if (child.status === 'RUNNING' && (child.outbox || child.snapshot)) {
        active = active || child.status === 'RUNNING';
        addInto(report, await reconcileRecord(deps, child, opts));
      } else if (child.status === 'RUNNING') unstarted.push(child);
      else ended.push(child);
      // A child written within the bound (started, or ended: with inline tasks a child often runs start to
      // end in its startChild message, so none is "running" while a backlog of starts waits in the queue):
      // the fan-out moves, and nothing was lost.
      if (!isStale(deps, child, opts)) active = true;
    }
  }
  if (active) return report;
  const messages: OutgoingMessage[] = [];
  for (const c of ended) if (isStale(deps, c, opts)) messages.push({ body: { kind: 'fanIn', executionArn: c.executionArn, generation: c.child!.generation } });
  for (const c of unstarted) {
    const n = c.child!.maxConcurrency;
    if (n === 0 || c.child!.index < n) messages.push({ body: { kind: 'startChild', executionArn: c.executionArn } });
  }
  if (messages.length) await deps.queue.send(messages);
  report.resent += messages.length;
  return report;
}

/**
 * Runs `sweep` now and then every `intervalMs` until stopped (the local runtime's reconciler; on AWS a
 * schedule invokes the reconciler function instead). Passes never overlap.
 */
export function startPeriodicSweep(deps: EngineDeps, opts: ReconcileOptions & { intervalMs: number }): { stop(): Promise<void>; passes(): number } {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> = Promise.resolve();
  let stopped = false;
  let passes = 0;
  const pass = (first: boolean) => {
    // the first pass also takes whatever was last written before this process began (see writtenBefore)
    running = sweep(deps, { staleAfterMs: opts.staleAfterMs, ...(first ? { writtenBefore: opts.writtenBefore } : {}) })
      .catch((e) => logger.warn('reconciler sweep failed; the next one tries again', { error: String((e as Error)?.message ?? e) }))
      .finally(() => {
        passes++;
        if (!stopped) timer = setTimeout(() => pass(false), opts.intervalMs);
        timer?.unref?.();
      });
  };
  pass(true);
  return {
    passes: () => passes,
    stop: async () => {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
    },
  };
}

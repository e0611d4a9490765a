/**
 * Turns the interpreter's effects into work-queue messages: tasks become `invoke` messages, timers
 * become delayed `event` messages (scaled by the time scale; beyond SQS's 900 s they carry a
 * `notBefore` and are re-delayed by the worker until due).
 */
import type { Effect } from '../engine/types';
import type { OutgoingMessage, WorkMessage } from '../ports';

export const MAX_QUEUE_DELAY_SECONDS = 900;

/** Delay for a message due at `dueMillis`; returns the delay and, when too long for one hop, notBefore. */
export function delayFor(dueMillis: number, nowMillis: number): { delaySeconds: number; notBefore?: string } {
  const seconds = Math.max(0, (dueMillis - nowMillis) / 1000);
  if (seconds <= MAX_QUEUE_DELAY_SECONDS) return { delaySeconds: seconds };
  return { delaySeconds: MAX_QUEUE_DELAY_SECONDS, notBefore: new Date(dueMillis).toISOString() };
}

export function effectsToMessages(executionArn: string, effects: Effect[], nowMillis: number, timeScale = 1): OutgoingMessage[] {
  const out: OutgoingMessage[] = [];
  for (const eff of effects) {
    if (eff.type === 'InvokeTask') out.push({ body: { kind: 'invoke', executionArn, task: eff } });
    else if (eff.type === 'SetTimer') {
      // Time scale 0 means "no waiting": Waits and retry intervals end at once. Deadlines (task and execution
      // timeouts, heartbeats) keep real time then: scaled to zero they would expire before anyone could answer.
      const scale = timeScale === 0 && (eff.purpose === 'timeout' || eff.purpose === 'heartbeat') ? 1 : timeScale;
      const due = nowMillis + (Date.parse(eff.at) - nowMillis) * scale;
      const { delaySeconds, notBefore } = delayFor(due, nowMillis);
      const body: WorkMessage = { kind: 'event', executionArn, event: { type: 'TimerFired', token: eff.token } };
      if (notBefore) body.notBefore = notBefore;
      out.push({ body, delaySeconds });
    }
    // CancelTask: a running Lambda cannot be cancelled; its late answer is ignored by token.
    // ExecutionFinished: reported by the caller (metrics), no message.
  }
  return out;
}

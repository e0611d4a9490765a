/**
 * The reconciler Lambda: an EventBridge schedule (the stack's, every RECONCILE_RATE) runs one sweep
 * over every RUNNING execution and resumes those a crash left without pending work
 * (lambda/runtime/reconciler.ts). STEPWRIGHT_RECONCILE_AFTER_SECONDS is the bound after which an
 * execution that has not been written counts as stale (the stack sets it with the schedule, so that
 * a stranded execution resumes within the bound plus one period).
 */
import type { Context } from 'aws-lambda';
import { sweep, type ReconcileReport } from '../runtime/reconciler';
import { reconcileAfterMs, type EngineDeps } from '../runtime/deps';
import { addLambdaContext, logger } from '../runtime/logger';

export function createReconcilerHandler(getDeps: () => EngineDeps | Promise<EngineDeps>) {
  // context: Lambda's (request id and cold start on every log line); tests call it with none
  return async (_event?: unknown, context?: Context): Promise<ReconcileReport> => {
    addLambdaContext(context);
    const deps = await getDeps();
    const report = await sweep(deps, { staleAfterMs: reconcileAfterMs(deps) });
    logger.info('reconciler sweep done', { ...report });
    return report;
  };
}

/** Lambda entry point: ports on DynamoDB and SQS, configured by environment variables. */
export const handler = createReconcilerHandler(async () => (await import('../aws/deps-from-env')).depsFromEnv());

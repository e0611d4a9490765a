/** One structured logger for every handler (Powertools: JSON lines CloudWatch can query). */
import { Logger } from '@aws-lambda-powertools/logger';
import type { LogLevel } from '@aws-lambda-powertools/logger/types';

/**
 * The log level from the environment: POWERTOOLS_LOG_LEVEL (which StepwrightEngine's `logLevel` sets
 * on its functions) or its Powertools alias LOG_LEVEL; STEPWRIGHT_LOG_LEVEL, the project's older
 * name (the benchmarks use it), wins when set. ERROR under jest, INFO otherwise.
 */
export function logLevelFromEnv(env: NodeJS.ProcessEnv = process.env): LogLevel {
  // an unknown name makes Powertools fall back to its own environment reading, then INFO
  const set = (v: string | undefined) => (v === undefined || v.trim() === '' ? undefined : (v.trim().toUpperCase() as LogLevel));
  return set(env.STEPWRIGHT_LOG_LEVEL) ?? set(env.POWERTOOLS_LOG_LEVEL) ?? set(env.LOG_LEVEL) ?? (env.JEST_WORKER_ID ? 'ERROR' : 'INFO');
}

export const logger = new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'stepwright', logLevel: logLevelFromEnv() });

/**
 * Adds the Lambda context (request id, function name and version, cold start) to every log line of
 * this invocation. The local runtime calls the handlers without a context: nothing to add then.
 */
export function addLambdaContext(context: Parameters<Logger['addContext']>[0] | undefined): void {
  if (context) logger.addContext(context);
}

/**
 * `stepwright serve --log-level`: the engine's own warnings and errors follow the same level as the
 * execution log. SILENT is Powertools' name for nothing at all.
 */
export function setLogLevel(level: LogLevel): void {
  logger.setLogLevel(level);
}

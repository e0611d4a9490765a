/** One structured logger for every handler (Powertools: JSON lines CloudWatch can query). */
import { Logger } from '@aws-lambda-powertools/logger';

export const logger = new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'stepwright', logLevel: (process.env.STEPWRIGHT_LOG_LEVEL as 'INFO' | undefined) ?? (process.env.JEST_WORKER_ID ? 'ERROR' : 'INFO') });

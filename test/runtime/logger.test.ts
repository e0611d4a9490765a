/** The handlers' logger: its level follows the environment, as the engine's `logLevel` prop sets it. */
import { logLevelFromEnv } from '../../lambda/runtime/logger';

describe('logger level', () => {
  test('POWERTOOLS_LOG_LEVEL (or its alias LOG_LEVEL) decides; STEPWRIGHT_LOG_LEVEL wins when set', () => {
    expect(logLevelFromEnv({ POWERTOOLS_LOG_LEVEL: 'DEBUG' })).toBe('DEBUG');
    expect(logLevelFromEnv({ POWERTOOLS_LOG_LEVEL: 'warn' })).toBe('WARN');
    expect(logLevelFromEnv({ LOG_LEVEL: 'ERROR' })).toBe('ERROR');
    expect(logLevelFromEnv({ POWERTOOLS_LOG_LEVEL: 'DEBUG', STEPWRIGHT_LOG_LEVEL: 'ERROR' })).toBe('ERROR');
    expect(logLevelFromEnv({ POWERTOOLS_LOG_LEVEL: '', LOG_LEVEL: 'WARN' })).toBe('WARN');
  });

  test('INFO by default, ERROR under jest', () => {
    expect(logLevelFromEnv({})).toBe('INFO');
    expect(logLevelFromEnv({ JEST_WORKER_ID: '1' })).toBe('ERROR');
    expect(logLevelFromEnv({ JEST_WORKER_ID: '1', POWERTOOLS_LOG_LEVEL: 'DEBUG' })).toBe('DEBUG');
  });

  test('the module logger is built with the level the environment gives when it loads', () => {
    const saved = { ...process.env };
    try {
      for (const [env, level] of [[{ POWERTOOLS_LOG_LEVEL: 'DEBUG' }, 'DEBUG'], [{ POWERTOOLS_LOG_LEVEL: 'WARN' }, 'WARN'], [{}, 'ERROR']] as const) {
        delete process.env.POWERTOOLS_LOG_LEVEL;
        delete process.env.STEPWRIGHT_LOG_LEVEL;
        delete process.env.LOG_LEVEL;
        Object.assign(process.env, env);
        jest.isolateModules(() => {
          // eslint-disable-next-line @typescript-eslint/no-require-imports
          const { logger } = require('../../lambda/runtime/logger') as typeof import('../../lambda/runtime/logger');
          expect(logger.getLevelName()).toBe(level);
        });
      }
    } finally {
      process.env = saved;
    }
  });

  test('addLambdaContext adds the request id to log lines; without a context (the local runtime) it does nothing', () => {
    jest.isolateModules(() => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { logger, addLambdaContext } = require('../../lambda/runtime/logger') as typeof import('../../lambda/runtime/logger');
      addLambdaContext(undefined);
      addLambdaContext({ awsRequestId: 'req-1', functionName: 'fn', functionVersion: '$LATEST', invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:fn', memoryLimitInMB: '512' } as never);
      const lines: string[] = [];
      const spy = jest.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => (lines.push(String(s)), true));
      const error = jest.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => (lines.push(String(s)), true));
      try {
        logger.error('hello');
      } finally {
        spy.mockRestore();
        error.mockRestore();
      }
      expect(lines.join('\n')).toContain('req-1');
    });
  });
});

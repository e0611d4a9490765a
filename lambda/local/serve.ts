/**
 * `stepwright serve`: the local engine plus its HTTP server, with the demo state machines from the
 * config, a printed cheat sheet, and a clean stop on Ctrl-C.
 */
import { existsSync } from 'node:fs';
import { loadConfig } from './config';
import { startLocalEngine } from './local-engine';
import { startHttpServer } from './http-server';
import { LocalTaskInvoker } from './local-invoker';
import { stateMachineArnFor } from '../runtime/service';
import type { FanOutMode } from '../engine/interpreter';

export interface ServeOptions {
  port: number;
  host: string;
  dataDir?: string;
  configFile: string;
  timeScale: number;
  fanOut?: FanOutMode;
}

export async function serve(opts: ServeOptions): Promise<void> {
  const config = existsSync(opts.configFile) ? loadConfig(opts.configFile) : undefined;
  const engine = await startLocalEngine({
    dataDir: opts.dataDir,
    invoker: config?.invoker ?? new LocalTaskInvoker(undefined),
    stateMachines: config?.stateMachines ?? [],
    timeScale: opts.timeScale,
    fanOut: opts.fanOut,
  });
  const http = await startHttpServer(engine.deps, opts.port, opts.host);
  const first = config?.stateMachines[0];
  const arn = first ? stateMachineArnFor(engine.deps, first.name) : undefined;
  console.log(`Stepwright is listening on ${http.url}  (data: ${opts.dataDir ?? 'in memory'}, time scale: ${opts.timeScale})`);
  if (config) console.log(`state machines from ${opts.configFile}: ${config.stateMachines.map((s) => s.name).join(', ') || 'none'}`);
  else console.log(`no ${opts.configFile}: create state machines through the API`);
  if (first && arn) {
    console.log(`
Try it:
  curl -s -X POST ${http.url}/state-machines/${first.name}/executions -H 'content-type: application/json' \\
       -d '{"input": {"comment": "hi", "lambda": {"math": 80, "eng": 93}}}'
  curl -s ${http.url}/executions/<executionArn from the answer>
  curl -s ${http.url}/executions/<executionArn>/history

With the AWS SDK (Step Functions JSON protocol):
  const { SFNClient, StartExecutionCommand } = require('@aws-sdk/client-sfn');
  const sfn = new SFNClient({ endpoint: '${http.url}', region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  await sfn.send(new StartExecutionCommand({ stateMachineArn: '${arn}', input: '{"lambda": {"math": 1, "eng": 2}}' }));
`);
  }
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    console.log('stopping...');
    await http.close();
    await engine.close();
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

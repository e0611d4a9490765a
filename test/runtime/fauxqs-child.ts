/**
 * fauxqs (an SQS and SNS emulator) over real HTTP for tests. It is ESM-only and jest runs CommonJS, so
 * it runs in a child Node process on an OS-chosen port; the child exits when its stdin closes, so it
 * cannot outlive the test run even if jest is killed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import * as path from 'node:path';

const START_FAUXQS = `
import { startFauxqs } from 'fauxqs';
const server = await startFauxqs({ port: 0, logger: false });
process.stdout.write(JSON.stringify({ address: server.address }) + '\\n');
process.stdin.on('end', () => server.stop().finally(() => process.exit(0)));
process.stdin.resume();
`;

export interface FauxqsChild {
  endpoint: string;
  stop(): Promise<void>;
}

export async function startFauxqsChild(): Promise<FauxqsChild> {
  const child: ChildProcess = spawn(process.execPath, ['--input-type=module', '-e', START_FAUXQS], {
    cwd: path.resolve(__dirname, '../..'), // so the bare 'fauxqs' import resolves from this project's node_modules
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout!.setEncoding('utf8');
  const endpoint = await new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (chunk: string) => {
      out += chunk;
      if (out.includes('\n')) resolve((JSON.parse(out.split('\n')[0]) as { address: string }).address);
    });
    child.once('exit', (code) => reject(new Error(`fauxqs exited (${code}) before it was ready`)));
  });
  return {
    endpoint,
    stop: async () => {
      if (child.exitCode !== null) return;
      child.stdin!.end();
      await once(child, 'exit');
    },
  };
}

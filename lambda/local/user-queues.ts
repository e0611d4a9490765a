/**
 * The SQS the local server offers to definitions (sqs:sendMessage, aws-sdk:sqs:*) and to the people
 * and programs that answer them: fauxqs, an SQS emulator, in this process on its own port, so the
 * approval pattern (a message carries a task token, someone answers with SendTaskSuccess) runs
 * without AWS. Queues named in the config are created at start.
 */

interface Fauxqs {
  address: string;
  stop(): Promise<void>;
  createQueue(name: string): unknown;
}

export interface UserQueues {
  endpoint: string;
  stop(): Promise<void>;
}

export async function startUserQueues(opts: { port?: number; host?: string; queues?: string[] }): Promise<UserQueues> {
  // fauxqs is ESM-only and this project is CommonJS: a real dynamic import, which TypeScript would
  // otherwise compile into require().
  // eslint-disable-next-line @typescript-eslint/no-implied-eval -- a fixed specifier, not user text
  const importEsm = new Function('specifier', 'return import(specifier)') as (specifier: string) => Promise<{ startFauxqs: (o: { port: number; host?: string; logger: boolean }) => Promise<Fauxqs> }>;
  const { startFauxqs } = await importEsm('fauxqs');
  const server = await startFauxqs({ port: opts.port ?? 0, host: opts.host ?? '127.0.0.1', logger: false });
  for (const name of opts.queues ?? []) await server.createQueue(name);
  return { endpoint: server.address, stop: () => server.stop() };
}

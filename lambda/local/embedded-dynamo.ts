/**
 * An in-process DynamoDB (dynalite) for the local runtime and tests: in memory, or persisted with
 * LevelDB under a directory so executions survive a restart of `stepwright serve`.
 *
 * It listens on a Unix domain socket in a private (0700) temporary folder, not on a TCP port:
 * dynalite checks no signatures and answers browsers with `Access-Control-Allow-Origin: *`, so on
 * a port any web page or local process could read and write the engine's data. Only this process
 * (and the user's own) can open the socket; the client reaches it through an http.Agent whose
 * connections go to the socket. The folder is a fresh mkdtemp one rather than the data folder
 * because socket paths are limited to ~100 bytes and a crashed run would leave a stale socket there.
 * On Windows the same happens over a named pipe with an unguessable name.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { Agent, type Server } from 'node:http';
import { createConnection, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { CreateTableCommand, DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { tableDefinition } from '../aws/table-schema';
import { closeLevelIteratorsOnReturn } from './level-iterators';

/** dynalite ships no types; this is the part of its API we use. */
type Dynalite = (options: { path?: string; createTableMs?: number; deleteTableMs?: number; updateTableMs?: number }) => Server;
// eslint-disable-next-line @typescript-eslint/no-require-imports -- dynalite ships no types: it is required and typed by hand (Dynalite above)
const dynalite = require('dynalite') as Dynalite;
closeLevelIteratorsOnReturn(); // dynalite never closed its LevelDB iterators: see level-iterators.ts

export const DEFAULT_TABLE_NAME = 'stepwright';

export interface LocalDynamoOptions {
  /** directory for the LevelDB files; omitted = in memory */
  path?: string;
  /**
   * Listen on this TCP port (0: a free one) instead of a private socket, for a tool that must reach
   * the database from outside (e.g. a DynamoDB GUI). Anyone on the machine can then use it.
   */
  port?: number;
  host?: string;
  tableName?: string;
}

export interface LocalDynamo {
  /** the URL the SDK signs for; with a socketPath, connections go to the socket whatever the URL */
  endpoint: string;
  /** the Unix socket (or Windows pipe) dynalite listens on; undefined when on a TCP port */
  socketPath?: string;
  client: DynamoDBClient;
  tableName: string;
  close(): Promise<void>;
}

export async function startLocalDynamo(opts: LocalDynamoOptions = {}): Promise<LocalDynamo> {
  if (opts.path) mkdirSync(opts.path, { recursive: true, mode: 0o700 });
  // Tables become ACTIVE at once: nothing here waits for provisioning.
  const server = dynalite({ path: opts.path, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  let target: { endpoint: string; socketPath?: string };
  let socketDir: string | undefined;
  if (opts.port !== undefined) {
    const host = opts.host ?? '127.0.0.1';
    await listen(server, [opts.port, host]);
    target = { endpoint: `http://${host}:${(server.address() as AddressInfo).port}` };
  } else {
    let socketPath: string;
    if (process.platform === 'win32') socketPath = `\\\\.\\pipe\\stepwright-dynamodb-${randomUUID()}`;
    else {
      socketDir = mkdtempSync(join(tmpdir(), 'stepwright-db-')); // mode 0700
      socketPath = join(socketDir, 'dynamodb.sock');
    }
    await listen(server, [socketPath]);
    target = { endpoint: 'http://localhost', socketPath };
  }
  const client = localClient(target);
  const tableName = opts.tableName ?? DEFAULT_TABLE_NAME;
  const close = () => shutdown(server, client).finally(() => socketDir && rmSync(socketDir, { recursive: true, force: true }));
  try {
    await ensureTable(client, tableName);
  } catch (e) {
    await close();
    throw e;
  }
  return { ...target, client, tableName, close };
}

/**
 * A client for a local dynalite: a LocalDynamo (its socket) or a TCP endpoint URL. Dynalite checks
 * no signatures, but the SDK insists on a region and credentials.
 */
export function localClient(target: string | { endpoint: string; socketPath?: string }): DynamoDBClient {
  const { endpoint, socketPath } = typeof target === 'string' ? { endpoint: target, socketPath: undefined } : target;
  return new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    ...(socketPath ? { requestHandler: { httpAgent: socketAgent(socketPath) } } : {}),
  });
}

/** An http.Agent (keep-alive, like the SDK's default) whose every connection goes to the socket. */
function socketAgent(socketPath: string): Agent {
  const agent = new Agent({ keepAlive: true });
  agent.createConnection = () => createConnection(socketPath);
  return agent;
}

function listen(server: Server, args: [port: number, host: string] | [path: string]): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(...(args as [string]), () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/** Creates the table unless a persisted store already has it, then waits until it is ACTIVE. */
export async function ensureTable(client: DynamoDBClient, tableName: string): Promise<void> {
  if ((await tableStatus(client, tableName)) === undefined) {
    try {
      await client.send(new CreateTableCommand(tableDefinition(tableName)));
    } catch (e) {
      if ((e as Error).name !== 'ResourceInUseException') throw e; // created meanwhile by another process
    }
  }
  for (let i = 0; i < 100; i++) {
    if ((await tableStatus(client, tableName)) === 'ACTIVE') return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`Local DynamoDB: table ${tableName} did not become ACTIVE`);
}

async function tableStatus(client: DynamoDBClient, tableName: string): Promise<string | undefined> {
  try {
    const res = await client.send(new DescribeTableCommand({ TableName: tableName }));
    return res.Table?.TableStatus;
  } catch (e) {
    if ((e as Error).name === 'ResourceNotFoundException') return undefined;
    throw e;
  }
}

/** Dropping keep-alive sockets lets the server close at once; dynalite then closes LevelDB (flushing it to disk). */
function shutdown(server: Server, client: DynamoDBClient): Promise<void> {
  client.destroy();
  const closed = new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
  server.closeAllConnections();
  return closed;
}

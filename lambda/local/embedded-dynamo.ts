/**
 * An in-process DynamoDB (dynalite) for the local runtime and tests: in memory, or persisted with
 * LevelDB under a directory so executions survive a restart of `stepwright serve`.
 */
import { mkdirSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CreateTableCommand, DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { tableDefinition } from '../aws/dynamo-store';

/** dynalite ships no types; this is the part of its API we use. */
type Dynalite = (options: { path?: string; createTableMs?: number; deleteTableMs?: number; updateTableMs?: number }) => Server;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const dynalite = require('dynalite') as Dynalite;

export const DEFAULT_TABLE_NAME = 'stepwright';

export interface LocalDynamoOptions {
  /** directory for the LevelDB files; omitted = in memory */
  path?: string;
  /** default 0: a free port */
  port?: number;
  host?: string;
  tableName?: string;
}

export interface LocalDynamo {
  endpoint: string;
  client: DynamoDBClient;
  tableName: string;
  close(): Promise<void>;
}

export async function startLocalDynamo(opts: LocalDynamoOptions = {}): Promise<LocalDynamo> {
  if (opts.path) mkdirSync(opts.path, { recursive: true });
  // Tables become ACTIVE at once: nothing here waits for provisioning.
  const server = dynalite({ path: opts.path, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  const host = opts.host ?? '127.0.0.1';
  await listen(server, opts.port ?? 0, host);
  const { port } = server.address() as AddressInfo;
  const endpoint = `http://${host}:${port}`;
  const client = localClient(endpoint);
  const tableName = opts.tableName ?? DEFAULT_TABLE_NAME;
  try {
    await ensureTable(client, tableName);
  } catch (e) {
    await shutdown(server, client);
    throw e;
  }
  return { endpoint, client, tableName, close: () => shutdown(server, client) };
}

/** Dynalite checks no signatures, but the SDK insists on a region and credentials. */
export function localClient(endpoint: string): DynamoDBClient {
  return new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
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

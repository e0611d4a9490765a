/**
 * A state machine's tasks run with its own role: the worker assumes the machine's role (STS
 * AssumeRole) and invokes its functions with those credentials. One Lambda client per role per
 * container (cold start); @aws-sdk/credential-providers' fromTemporaryCredentials makes the STS call
 * (client-sts) and refreshes the credentials before they expire, so a long-lived container never
 * invokes with stale ones.
 */
import type { LambdaClient } from '@aws-sdk/client-lambda';
import { fromTemporaryCredentials } from '@aws-sdk/credential-providers';
import { stateMachineNameOf } from '../runtime/access';
import { roleToAssume } from '../runtime/task-role';
import type { ExecutionStore } from '../ports';

type AwsCredentialIdentityProvider = ReturnType<typeof fromTemporaryCredentials>;

/** How long a machine's role is remembered: an UpdateStateMachine that changes it applies within this. */
const ROLE_TTL_MS = 60_000;

export interface MachineRolesOptions {
  store: () => ExecutionStore;
  region: string;
  /** the worker's own role: a machine registered with it runs with the worker's credentials */
  workerRoleArn?: string;
  /** builds a Lambda client with these credentials (undefined: the function's own) */
  lambdaClient: (credentials?: AwsCredentialIdentityProvider) => LambdaClient;
  /** for tests: another credentials provider than STS's */
  assume?: (roleArn: string) => AwsCredentialIdentityProvider;
  now?: () => number;
}

/** The Lambda client to invoke a task of an execution with: its machine's role, assumed. */
export class MachineRoles {
  private readonly clients = new Map<string, LambdaClient>();
  private readonly providers = new Map<string, AwsCredentialIdentityProvider>();
  private readonly roles = new Map<string, { roleArn: string | undefined; at: number }>();

  constructor(private readonly opts: MachineRolesOptions) {}

  async clientFor(executionArn: string): Promise<LambdaClient> {
    const roleArn = await this.roleOf(executionArn);
    const key = roleArn ?? '';
    let client = this.clients.get(key);
    if (!client) {
      client = this.opts.lambdaClient(roleArn ? this.credentials(roleArn) : undefined);
      this.clients.set(key, client);
    }
    return client;
  }

  /**
   * The credentials an execution's tasks run with (undefined: the function's own), for the clients of
   * other services (the engine-answered integrations: SQS, SNS, DynamoDB...), one provider per role.
   */
  async credentialsFor(executionArn: string): Promise<AwsCredentialIdentityProvider | undefined> {
    const roleArn = await this.roleOf(executionArn);
    return roleArn ? this.credentials(roleArn) : undefined;
  }

  /** The role the execution's tasks run with (undefined: the worker's own), from its state machine's record. */
  async roleOf(executionArn: string): Promise<string | undefined> {
    const name = stateMachineNameOf(executionArn);
    if (!name) return undefined;
    const smArn = `${executionArn.split(':').slice(0, 5).join(':')}:stateMachine:${name}`;
    const now = (this.opts.now ?? Date.now)();
    const known = this.roles.get(smArn);
    if (known && now - known.at < ROLE_TTL_MS) return known.roleArn;
    const sm = await this.opts.store().getStateMachine(smArn);
    const roleArn = roleToAssume(sm?.roleArn, this.opts.workerRoleArn);
    this.roles.set(smArn, { roleArn, at: now });
    return roleArn;
  }

  private credentials(roleArn: string): AwsCredentialIdentityProvider {
    let provider = this.providers.get(roleArn);
    if (!provider) {
      provider = this.opts.assume
        ? this.opts.assume(roleArn)
        : fromTemporaryCredentials({ params: { RoleArn: roleArn, RoleSessionName: 'stepwright-worker' }, clientConfig: { region: this.opts.region } });
      this.providers.set(roleArn, provider);
    }
    return provider;
  }
}

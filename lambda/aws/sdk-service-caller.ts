/**
 * The ServiceCaller on the AWS SDK for JavaScript v3: loads `@aws-sdk/client-<service>` when a task
 * first needs it (so only the clients a deployment uses are loaded, and a service the SDK has but this
 * project never heard of works when its package is installed), finds its client class and
 * `<Action>Command`, and sends the task's parameters as the command's input. On AWS it calls the real
 * service with the function's role; locally the config's endpoints (or ready-made clients, such as
 * the embedded DynamoDB's) stand in.
 */
import { ServiceCallError, type ServiceCaller, type ServiceResponse } from '../runtime/integrations/service-caller';
import { commandNameFor, sdkPackageFor } from '../runtime/integrations/sdk-names';

/** What this adapter needs of a v3 client: `send`. */
export interface SdkClient {
  send(command: unknown): Promise<unknown>;
}

type Constructor = new (input: unknown) => unknown;
type SdkModule = Record<string, unknown>;

export interface SdkServiceCallerOptions {
  region: string;
  /** endpoint URL per Step Functions service name (`sqs`, `sns`, `eventbridge`, `s3`...) */
  endpoints?: Record<string, string>;
  /** ready clients per service name (the embedded DynamoDB's client locally); used before `endpoints` */
  clients?: Record<string, SdkClient>;
  /**
   * credentials for the clients (emulators accept any; on AWS the state machine's assumed role);
   * default: the SDK's provider chain (the function's own role)
   */
  credentials?: { accessKeyId: string; secretAccessKey: string } | (() => Promise<{ accessKeyId: string; secretAccessKey: string; sessionToken?: string }>);
  /**
   * Locally: a service with neither a client nor an endpoint fails with this advice instead of
   * reaching real AWS from a laptop by accident. Undefined on AWS (every service is reachable).
   */
  missingEndpoint?: (service: string) => string;
  /** loads a package (tests pass their own); default: require */
  load?: (packageName: string) => SdkModule;
}

// eslint-disable-next-line @typescript-eslint/no-require-imports -- the client package is chosen by the Task resource at run time
const defaultLoad = (name: string): SdkModule => require(name) as SdkModule;

export class SdkServiceCaller implements ServiceCaller {
  private readonly clients = new Map<string, SdkClient>();
  private readonly modules = new Map<string, SdkModule | null>();
  private readonly load: (packageName: string) => SdkModule;

  constructor(private readonly opts: SdkServiceCallerOptions) {
    this.load = opts.load ?? defaultLoad;
  }

  sdkClientInstalled(packageName: string): boolean {
    return this.module(packageName) !== null;
  }

  async call(service: string, action: string, input: Record<string, unknown>): Promise<ServiceResponse> {
    const pkg = sdkPackageFor(service);
    const mod = this.module(pkg);
    if (!mod) throw new ServiceCallError('client', 'SdkClientException', `The package ${pkg} is not installed: install it to call ${service}.`);
    const Command = mod[commandNameFor(action)];
    if (typeof Command !== 'function') throw new ServiceCallError('unknown-action', 'UnknownAction', `${pkg} has no ${commandNameFor(action)}: '${service}:${action}' is not an action of that service.`);
    const client = this.client(service, mod);
    let res: Record<string, unknown> & { $metadata?: { httpStatusCode?: number; requestId?: string } };
    try {
      res = (await client.send(new (Command as Constructor)(input))) as typeof res;
    } catch (e) {
      throw asCallError(e);
    }
    const { $metadata, ...output } = res;
    return { output: await plainJson(output), httpStatusCode: $metadata?.httpStatusCode ?? 200, requestId: $metadata?.requestId ?? '' };
  }

  private module(pkg: string): SdkModule | null {
    if (!this.modules.has(pkg)) {
      try {
        this.modules.set(pkg, this.load(pkg));
      } catch {
        this.modules.set(pkg, null);
      }
    }
    return this.modules.get(pkg) ?? null;
  }

  private client(service: string, mod: SdkModule): SdkClient {
    const given = this.opts.clients?.[service];
    if (given) return given;
    let client = this.clients.get(service);
    if (client) return client;
    const endpoint = this.opts.endpoints?.[service];
    if (!endpoint && this.opts.missingEndpoint) throw new ServiceCallError('client', 'SdkClientException', this.opts.missingEndpoint(service));
    // the package's own client class: the export named <Something>Client with `send` (not the `__Client` base it re-exports)
    const Client = Object.entries(mod).find(([name, value]) => /^[A-Za-z0-9]+Client$/.test(name) && typeof value === 'function' && typeof (value as { prototype?: { send?: unknown } }).prototype?.send === 'function')?.[1];
    if (!Client) throw new ServiceCallError('client', 'SdkClientException', `${sdkPackageFor(service)} exports no client class.`);
    client = new (Client as Constructor)({
      region: this.opts.region,
      ...(endpoint ? { endpoint } : {}),
      ...(this.opts.credentials ? { credentials: this.opts.credentials } : {}),
    }) as SdkClient;
    this.clients.set(service, client);
    return client;
  }
}

/** An SDK exception as the integrations see it: a service's answer (it has an HTTP status) or no answer. */
function asCallError(e: unknown): ServiceCallError {
  const err = (e ?? {}) as { name?: string; message?: string; $metadata?: { httpStatusCode?: number; requestId?: string }; $fault?: string };
  const status = err.$metadata?.httpStatusCode;
  if (status !== undefined && typeof err.name === 'string') {
    return new ServiceCallError('service', err.name === 'Error' ? 'Unknown' : err.name, err.message ?? err.name, status, err.$metadata?.requestId);
  }
  return new ServiceCallError('client', err.name ?? 'Error', err.message ?? String(e));
}

/**
 * The response as JSON, as Step Functions returns it: dates as ISO text, bytes as base64, streamed
 * bodies (S3 GetObject's Body) read to text.
 */
async function plainJson(value: unknown): Promise<Record<string, unknown>> {
  const convert = async (v: unknown): Promise<unknown> => {
    if (v instanceof Date) return v.toISOString();
    if (v instanceof Uint8Array) return Buffer.from(v).toString('base64');
    if (v !== null && typeof v === 'object' && typeof (v as { transformToString?: unknown }).transformToString === 'function') {
      return (v as { transformToString: () => Promise<string> }).transformToString();
    }
    if (Array.isArray(v)) return Promise.all(v.map(convert));
    if (v !== null && typeof v === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) if (x !== undefined) out[k] = await convert(x);
      return out;
    }
    return v;
  };
  return (await convert(value)) as Record<string, unknown>;
}

/** Whether an SDK client package can be loaded from here (for `stepwright validate`). */
export function sdkPackageInstalled(packageName: string): boolean {
  try {
    require.resolve(packageName);
    return true;
  } catch {
    return false;
  }
}

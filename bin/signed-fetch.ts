/**
 * fetch for the CLI's calls to a Stepwright API: a deployed API (API Gateway with IAM authorization)
 * gets SigV4-signed requests (service execute-api), a local `stepwright serve` plain ones.
 *
 * Signing is @smithy/signature-v4 (what the AWS SDK itself signs with) and credentials come from the
 * standard provider chain (@aws-sdk/credential-providers' fromNodeProviderChain: environment, SSO,
 * profiles, web identity, container and instance roles), so the CLI authenticates as the AWS CLI would.
 * The engine then checks the caller's grants (lambda/runtime/access.ts).
 */
import { Sha256 } from '@aws-crypto/sha256-js';
import { fromNodeProviderChain } from '@aws-sdk/credential-providers';
import { SignatureV4 } from '@smithy/signature-v4';

type Credentials = ConstructorParameters<typeof SignatureV4>[0]['credentials'];

export interface SignedFetchOptions {
  /** the API's region; default: read from an execute-api host name (<id>.execute-api.<region>.amazonaws.com) */
  region?: string;
  /** default: fromNodeProviderChain() */
  credentials?: Credentials;
  /** sign even a local endpoint (tests) */
  alwaysSign?: boolean;
}

export interface SignedRequestInit {
  method: string;
  headers?: Record<string, string>;
  body?: string;
}

/** Loopback and unspecified addresses: `stepwright serve`, which takes no credentials. */
export function isLocalEndpoint(url: URL): boolean {
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  return host === 'localhost' || host.endsWith('.localhost') || host === '::1' || host === '0.0.0.0' || /^127\./.test(host);
}

/** The region in an API Gateway host name (aws, aws-cn: .amazonaws.com.cn), if it is one. */
export function regionOfEndpoint(url: URL): string | undefined {
  return /\.execute-api\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?$/.exec(url.hostname.toLowerCase())?.[1];
}

/** Sends the request, signed when the endpoint is not local; a missing region is an error naming --region. */
export async function signedFetch(target: string, init: SignedRequestInit, opts: SignedFetchOptions = {}): Promise<Response> {
  const url = new URL(target);
  const headers: Record<string, string> = { ...(init.headers ?? {}) };
  if (!opts.alwaysSign && isLocalEndpoint(url)) return fetch(url, { method: init.method, headers, body: init.body });
  const region = opts.region ?? regionOfEndpoint(url);
  if (!region) throw new Error(`cannot tell the region of ${url.origin} (not an execute-api host name): give it with --region`);
  const signer = new SignatureV4({ service: 'execute-api', region, credentials: opts.credentials ?? fromNodeProviderChain(), sha256: Sha256 });
  const query: Record<string, string> = {};
  for (const [k, v] of url.searchParams) query[k] = v;
  const signed = await signer.sign({
    method: init.method,
    protocol: url.protocol,
    hostname: url.hostname,
    port: url.port ? Number(url.port) : undefined,
    path: url.pathname,
    query,
    headers: { ...headers, host: url.host },
    body: init.body,
  });
  // fetch sets Host itself, to the same value that was signed
  const { host: _host, ...sent } = signed.headers;
  return fetch(url, { method: init.method, headers: sent, body: init.body });
}

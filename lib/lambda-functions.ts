/**
 * How every Stepwright function is built: the project root its entry points are resolved from,
 * esbuild options, a role that may write its own logs and nothing else, and a Node.js function
 * with its own log group. The installed package ships each function prebuilt (`npm run
 * build:package` bundles them at pack time), so a user's `cdk synth` needs neither esbuild nor these
 * sources; this repository, which has no prebuilt bundles, bundles from source.
 */
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { type Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';

/** The project root: handler entry points are resolved from here, whatever the current directory. */
export const PROJECT_ROOT = path.resolve(__dirname, '..');

/** esbuild options for every Stepwright function: small bundles, the SDK from the Node 22 runtime. */
export function bundlingOptions(sourceMap: boolean): nodejs.BundlingOptions {
  return {
    minify: true,
    sourceMap,
    sourcesContent: false,
    target: 'node22',
    format: nodejs.OutputFormat.CJS,
    // Node 22's Lambda runtime ships the AWS SDK v3: do not bundle it.
    externalModules: ['@aws-sdk/*'],
    forceDockerBundling: false,
  };
}

export interface NodeFunctionOptions {
  entry: string;
  description: string;
  memorySize: number;
  timeout: Duration;
  role: iam.Role;
  environment: Record<string, string>;
  logRetention: logs.RetentionDays;
}

/** What the engine's settings decide for every function it builds. */
export interface FunctionSettings {
  /** @default true */
  readonly sourceMaps?: boolean;
  /** @default lambda.Tracing.DISABLED */
  readonly tracing?: lambda.Tracing;
}

/** A Lambda role allowed to write its own logs and nothing else (grants add the rest). */
export function lambdaRole(scope: Construct, id: string, description: string): iam.Role {
  return new iam.Role(scope, id, { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'), description });
}

/**
 * Where `npm run build:package` (scripts/build-package.js) puts the bundle of an entry point:
 * `<root>/assets/<entry without extension>/index.js`, the root being dist/ in the package.
 */
export function prebuiltAssetDir(entry: string): string {
  return path.join(PROJECT_ROOT, 'assets', path.relative(PROJECT_ROOT, entry).replace(/\.[cm]?[jt]s$/, ''));
}

/** The prebuilt bundle of `entry` as Lambda code, or undefined when there is none (then it is bundled from source). */
function prebuiltCode(entry: string, sourceMap: boolean): lambda.Code | undefined {
  const dir = prebuiltAssetDir(entry);
  if (!existsSync(path.join(dir, 'index.js'))) {
    if (!existsSync(entry)) throw new Error(`Stepwright: no prebuilt bundle at ${dir} and no source at ${entry}: the package was packed without \`npm run build:package\``);
    return undefined;
  }
  // The bundle is built with its source map; leave the map out when the engine turns source maps off.
  return lambda.Code.fromAsset(dir, sourceMap ? {} : { exclude: ['*.map'] });
}

/** A Node.js 22 (arm64) function with its own log group `<id>Logs`, which only its role may write. */
export function nodeFunction(scope: Construct, id: string, opts: NodeFunctionOptions, settings: FunctionSettings): nodejs.NodejsFunction {
  const logGroup = new logs.LogGroup(scope, `${id}Logs`, { retention: opts.logRetention, removalPolicy: RemovalPolicy.DESTROY });
  logGroup.grantWrite(opts.role);
  const sourceMap = settings.sourceMaps ?? true;
  const code = prebuiltCode(opts.entry, sourceMap);
  const build: nodejs.NodejsFunctionProps = code
    ? { code, handler: 'index.handler' }
    : { entry: opts.entry, handler: 'handler', projectRoot: PROJECT_ROOT, depsLockFilePath: path.join(PROJECT_ROOT, 'package-lock.json'), bundling: bundlingOptions(sourceMap) };
  return new nodejs.NodejsFunction(scope, id, {
    ...build,
    runtime: lambda.Runtime.NODEJS_22_X,
    architecture: lambda.Architecture.ARM_64,
    memorySize: opts.memorySize,
    timeout: opts.timeout,
    description: opts.description,
    role: opts.role,
    logGroup,
    tracing: settings.tracing,
    environment: opts.environment,
  });
}

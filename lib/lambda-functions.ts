/**
 * How every Stepwright function is built: the project root its entry points are resolved from,
 * esbuild options, a role that may write its own logs and nothing else, and a Node.js function
 * with its own log group.
 */
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

/** A Node.js 22 (arm64) function with its own log group `<id>Logs`, which only its role may write. */
export function nodeFunction(scope: Construct, id: string, opts: NodeFunctionOptions, settings: FunctionSettings): nodejs.NodejsFunction {
  const logGroup = new logs.LogGroup(scope, `${id}Logs`, { retention: opts.logRetention, removalPolicy: RemovalPolicy.DESTROY });
  logGroup.grantWrite(opts.role);
  const sourceMap = settings.sourceMaps ?? true;
  return new nodejs.NodejsFunction(scope, id, {
    entry: opts.entry,
    handler: 'handler',
    runtime: lambda.Runtime.NODEJS_22_X,
    architecture: lambda.Architecture.ARM_64,
    memorySize: opts.memorySize,
    timeout: opts.timeout,
    description: opts.description,
    role: opts.role,
    logGroup,
    tracing: settings.tracing,
    environment: opts.environment,
    projectRoot: PROJECT_ROOT,
    depsLockFilePath: path.join(PROJECT_ROOT, 'package-lock.json'),
    bundling: bundlingOptions(sourceMap),
  });
}

#!/usr/bin/env node
/**
 * The CDK app (cdk.json: "app": "npx tsx bin/app.ts"). Context:
 *   -c stackName=Stepwright   the stack's name
 *   -c examples=false         leave out the example state machines and their task functions
 *   -c nag=false              skip the cdk-nag AwsSolutions checks (on by default: errors fail synth)
 */
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { StepwrightStack } from '../lib/stepwright-stack';

const app = new App();
const flag = (name: string, fallback: boolean) => {
  const v: unknown = app.node.tryGetContext(name);
  return v === undefined ? fallback : v === true || v === 'true';
};

new StepwrightStack(app, (app.node.tryGetContext('stackName') as string | undefined) ?? 'Stepwright', {
  description: 'Stepwright: Amazon States Language engine on DynamoDB, SQS and Lambda',
  examples: flag('examples', true),
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
});

if (flag('nag', true)) Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));

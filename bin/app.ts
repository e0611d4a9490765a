#!/usr/bin/env node
/**
 * The CDK app (cdk.json: "app": "npx tsx bin/app.ts"). Context:
 *   -c stackName=Stepwright   the stack's name
 *   -c examples=false         leave out the example state machines and their task functions
 *   -c nag=false              skip the cdk-nag AwsSolutions checks (on by default: errors fail synth)
 *   -c alarmEmail=ops@example.com   create an alarm topic with this address subscribed (the engine's alarms notify it)
 *   -c alarmTopicArn=arn:aws:sns:...  the engine's alarms notify this existing topic instead
 */
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { contextFlag, StepwrightStack, stackPropsFromContext } from '../lib/stepwright-stack';

const app = new App();
const context = stackPropsFromContext(app);

new StepwrightStack(app, (app.node.tryGetContext('stackName') as string | undefined) ?? 'Stepwright', {
  description: 'Stepwright: Amazon States Language engine on DynamoDB, SQS and Lambda',
  ...context,
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
});

if (contextFlag(app, 'nag', true)) Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));

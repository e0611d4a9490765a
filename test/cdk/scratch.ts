import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { StepwrightStack } from '../../lib/stepwright-stack';
const ctx = require('../../cdk.json').context;
const app = new App({ context: { ...ctx, 'aws:cdk:bundling-stacks': [] } });
const stack = new StepwrightStack(app, 'T', { env: { account: '123456789012', region: 'us-east-1' } });
const t = Template.fromStack(stack).toJSON();
for (const k of process.argv.slice(2)) console.log(k, JSON.stringify(t.Resources[k] ?? t[k], null, 1));

import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
(Validations.prototype as any).acknowledge = function () {};
import { StepwrightStack } from '../../lib/stepwright-stack';
const ctx = require('../../cdk.json').context;
const app = new App({ context: { ...ctx, 'aws:cdk:bundling-stacks': [] } });
const stack = new StepwrightStack(app, 'T', { env: { account: '123456789012', region: 'us-east-1' } });
const rep = new AwsSolutionsChecks(undefined, {}).validateScope(stack);
for (const v of rep.violations) console.log(v.severity, v.ruleName, v.violatingResources.map((r: any) => r.constructPath).join(', '));

// A user's CDK app, as it would be written against the installed package (plain JS, no build step).
const { App, Duration, Stack } = require('aws-cdk-lib');
const events = require('aws-cdk-lib/aws-events');
const { StepwrightEngine, TriggerSource } = require('stepwright');

const app = new App({ outdir: process.argv[2] });
const stack = new Stack(app, 'UserStack', { env: { account: '123456789012', region: 'us-east-1' } });
const engine = new StepwrightEngine(stack, 'Engine');
const orders = engine.addStateMachine('Orders', { name: 'orders', definition: require('./order-definition.json') });
engine.addTrigger('Hourly', { stateMachine: orders, source: TriggerSource.schedule(events.Schedule.rate(Duration.hours(1))) });
app.synth();

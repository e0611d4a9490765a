/**
 * Execution metrics and the alarms on them: AWS's metric names in namespace Stepwright, the
 * StateMachineArn dimension per state machine, the engine's "executions failed" alarm summing
 * ExecutionsFailed and ExecutionsTimedOut, and the shipped stack's alarm topic from context.
 */
import { App, Duration } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { EXECUTION_METRIC_BY_STATUS, STATE_MACHINE_DIMENSION as WORKER_DIMENSION } from '../../lambda/aws/execution-metrics';
import { StepwrightStack, stackPropsFromContext } from '../../lib/stepwright-stack';
import { METRICS_NAMESPACE, SERVICE_NAME, STATE_MACHINE_DIMENSION } from '../../lib/stepwright-engine';
import { ENV, buildStack, engineStack, newApp, violations } from './helpers';

const PASS = { StartAt: 'P', States: { P: { Type: 'Pass', End: true } } };

describe('metric methods', () => {
  const { stack, engine } = engineStack();
  const machine = engine.addStateMachine('M', { name: 'orders', definition: PASS });
  const arn = stack.resolve(machine.stateMachineArn) as unknown;

  test('the state machine: AWS names, service and StateMachineArn dimensions, Sum over 5 minutes (time: Average)', () => {
    const cases = [
      [machine.metricStarted(), 'ExecutionsStarted'],
      [machine.metricSucceeded(), 'ExecutionsSucceeded'],
      [machine.metricFailed(), 'ExecutionsFailed'],
      [machine.metricTimedOut(), 'ExecutionsTimedOut'],
      [machine.metricAborted(), 'ExecutionsAborted'],
    ] as const;
    for (const [m, name] of cases) {
      expect(m.namespace).toBe('Stepwright');
      expect(m.metricName).toBe(name);
      expect(m.statistic).toBe('Sum');
      expect(m.period.toMinutes()).toBe(5);
      expect(stack.resolve(m.dimensions)).toEqual({ service: 'stepwright', StateMachineArn: arn });
    }
    const time = machine.metricTime();
    expect([time.metricName, time.statistic]).toEqual(['ExecutionTime', 'Average']);
    expect(stack.resolve(time.dimensions)).toEqual({ service: 'stepwright', StateMachineArn: arn });
  });

  test('props override as in aws-cdk (MetricOptions)', () => {
    const m = machine.metricFailed({ statistic: 'Maximum', period: Duration.minutes(1), label: 'x' });
    expect([m.statistic, m.period.toMinutes(), m.label]).toEqual(['Maximum', 1, 'x']);
  });

  test('the engine: the same names with the service dimension only (the engine-wide series)', () => {
    const all = [engine.metricStarted(), engine.metricSucceeded(), engine.metricFailed(), engine.metricTimedOut(), engine.metricAborted(), engine.metricTime()];
    expect(all.map((m) => m.metricName)).toEqual(['ExecutionsStarted', 'ExecutionsSucceeded', 'ExecutionsFailed', 'ExecutionsTimedOut', 'ExecutionsAborted', 'ExecutionTime']);
    for (const m of all) expect(m.dimensions).toEqual({ service: 'stepwright' });
  });

  test('the CDK and the worker agree on namespace, service, dimension and the outcome names', () => {
    expect([METRICS_NAMESPACE, SERVICE_NAME, STATE_MACHINE_DIMENSION]).toEqual(['Stepwright', 'stepwright', WORKER_DIMENSION]);
    expect(Object.values(EXECUTION_METRIC_BY_STATUS).sort()).toEqual([engine.metricSucceeded(), engine.metricFailed(), engine.metricTimedOut(), engine.metricAborted()].map((m) => m.metricName).sort());
  });

  test('metricFailedOrTimedOut sums ExecutionsFailed and ExecutionsTimedOut of the machine', () => {
    const e = machine.metricFailedOrTimedOut();
    expect(e.expression).toBe('FILL(failed, 0) + FILL(timedOut, 0)');
    expect(Object.fromEntries(Object.entries(e.usingMetrics).map(([k, m]) => [k, [(m as any).metricName, stack.resolve((m as any).dimensions)]]))).toEqual({
      failed: ['ExecutionsFailed', { service: 'stepwright', StateMachineArn: arn }],
      timedOut: ['ExecutionsTimedOut', { service: 'stepwright', StateMachineArn: arn }],
    });
  });
});

describe('the executions failed alarm', () => {
  const { stack } = engineStack();
  const template = Template.fromStack(stack);
  const alarm = Object.values(template.findResources('AWS::CloudWatch::Alarm')).map((a: any) => a.Properties).find((a: any) => a.Metrics);

  test('FAILED + TIMED_OUT over the engine-wide series (a timeout trips it; aborts and spread items do not count)', () => {
    expect(alarm).toMatchObject({ Threshold: 1, EvaluationPeriods: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold', TreatMissingData: 'notBreaching' });
    const byId = Object.fromEntries(alarm.Metrics.map((m: any) => [m.Id, m]));
    expect(alarm.Metrics.find((m: any) => m.Expression)).toMatchObject({ Expression: 'FILL(failed, 0) + FILL(timedOut, 0)' });
    for (const [id, name] of [['failed', 'ExecutionsFailed'], ['timedOut', 'ExecutionsTimedOut']]) {
      expect(byId[id]).toMatchObject({
        ReturnData: false,
        MetricStat: { Metric: { Namespace: 'Stepwright', MetricName: name, Dimensions: [{ Name: 'service', Value: 'stepwright' }] }, Period: 300, Stat: 'Sum' },
      });
    }
    expect(JSON.stringify(alarm)).not.toContain('ExecutionsAborted');
  });
});

describe('the shipped stack: alarm topic from context', () => {
  const fromContext = (context: Record<string, string>) => {
    const app = newApp();
    for (const [k, v] of Object.entries(context)) app.node.setContext(k, v);
    const stack = new StepwrightStack(app, 'Ctx', { env: ENV, ...stackPropsFromContext(app) });
    return { stack, template: Template.fromStack(stack) };
  };
  const alarmActions = (template: Template) => Object.values(template.findResources('AWS::CloudWatch::Alarm')).map((a: any) => a.Properties.AlarmActions);

  test('none given: no topic, alarms without actions', () => {
    const { template } = buildStack();
    template.resourceCountIs('AWS::SNS::Topic', 0);
    for (const actions of alarmActions(template)) expect(actions).toBeUndefined();
  });

  test('-c alarmEmail: a topic (TLS only) with the address subscribed, every engine alarm notifies it, cdk-nag clean', () => {
    const { stack, template } = fromContext({ alarmEmail: 'ops@example.com' });
    template.resourceCountIs('AWS::SNS::Topic', 1);
    template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'ops@example.com' });
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {});
    const topicId = Object.keys(template.findResources('AWS::SNS::Topic'))[0];
    const actions = alarmActions(template);
    expect(actions.length).toBe(5);
    for (const a of actions) expect(a).toEqual([{ Ref: topicId }]);
    template.hasOutput('AlarmTopicArn', {});
    expect(violations(stack).map((v) => `${v.severity} ${v.ruleName}`)).toEqual([]);
  });

  test('-c alarmTopicArn: the alarms notify that topic, none is created', () => {
    const arn = 'arn:aws:sns:us-east-1:123456789012:ops';
    const { template } = fromContext({ alarmTopicArn: arn });
    template.resourceCountIs('AWS::SNS::Topic', 0);
    for (const a of alarmActions(template)) expect(a).toEqual([arn]);
  });

  test('both: refused', () => {
    expect(() => fromContext({ alarmTopicArn: 'arn:aws:sns:us-east-1:123456789012:ops', alarmEmail: 'ops@example.com' })).toThrow(/not both/);
  });

  test('context parsing: empty values are not given', () => {
    const app = new App({ context: { alarmEmail: ' ', examples: 'false' } });
    expect(stackPropsFromContext(app)).toEqual({ examples: false, alarmEmail: undefined, alarmTopicArn: undefined });
  });
});

describe('the shipped stack: API admins from context', () => {
  test('-c apiAdmins=a,b: each is recorded as an admin of every action in the API function', () => {
    const app = newApp();
    app.node.setContext('apiAdmins', 'arn:aws:iam::123456789012:role/Ops, 210987654321');
    const stack = new StepwrightStack(app, 'Admins', { env: ENV, ...stackPropsFromContext(app) });
    const fn = Object.entries(Template.fromStack(stack).findResources('AWS::Lambda::Function')).find(([id]) => id.startsWith('EngineApi'))!;
    const grants = JSON.stringify((fn[1] as any).Properties.Environment.Variables.STEPWRIGHT_ACCESS_GRANTS);
    expect(grants).toContain('arn:aws:iam::123456789012:role/Ops');
    expect(grants).toContain('210987654321');
    expect(grants).toContain('@admin');
  });

  test('none given: no engine props from context (the API then answers every caller AccessDeniedException)', () => {
    const app = new App({ context: { apiAdmins: ' , ' } });
    expect(stackPropsFromContext(app)).not.toHaveProperty('engine');
  });
});

/**
 * A state machine's `logs` prop (template assertions): as sfn.StateMachine's, it becomes the
 * machine's loggingConfiguration in its registration (the worker reads it from the stored settings),
 * and the engine's worker may create streams in and write to that log group, and no other.
 */
import { Template } from 'aws-cdk-lib/assertions';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { engineStack, grants, resource } from './helpers';

const definition = { StartAt: 'Done', States: { Done: { Type: 'Pass', End: true } } };

function build() {
  const { stack, engine } = engineStack();
  const group = new logs.LogGroup(stack, 'OrdersLog');
  engine.addStateMachine('Orders', { name: 'orders', definition, logs: { destination: group, level: sfn.LogLevel.ALL, includeExecutionData: true } });
  engine.addStateMachine('Quiet', { name: 'quiet', definition });
  return { stack, template: Template.fromStack(stack) };
}

const { template } = build();
const groupArn = { 'Fn::GetAtt': [resource(template, 'AWS::Logs::LogGroup', 'OrdersLog').id, 'Arn'] };

/** The registration's Settings, with the log group's ARN token left as CloudFormation will fill it. */
function settingsOf(prefix: string): unknown {
  const props = resource(template, 'Custom::StepwrightStateMachine', prefix).props;
  return props.Settings;
}

test('the registration carries the loggingConfiguration, with the log group as its destination', () => {
  // the group's ARN is a token: Settings is a Fn::Join around it
  const settings = settingsOf('EngineOrdersRegistration') as { 'Fn::Join': [string, unknown[]] };
  const parts = settings['Fn::Join'][1];
  expect(parts).toContainEqual(groupArn);
  const text = parts.map((p) => (typeof p === 'string' ? p : '<arn>')).join('');
  expect(JSON.parse(text)).toEqual({ loggingConfiguration: { level: 'ALL', includeExecutionData: true, destinations: [{ cloudWatchLogsLogGroup: { logGroupArn: '<arn>' } }] } });
  // a machine without logs registers none
  expect(settingsOf('EngineQuietRegistration')).toBe('{}');
});

test('the worker and the API (StartSyncExecution, StopExecution) may create log streams in and write to that group, and nothing more on it', () => {
  const onGroup = (rolePrefix: string) => grants(template, rolePrefix).filter((g) => g.resources.some((r) => JSON.stringify(r) === JSON.stringify(groupArn)));
  expect(onGroup('EngineWorkerRole').map((g) => g.action).sort()).toEqual(['logs:CreateLogStream', 'logs:PutLogEvents']);
  expect(onGroup('EngineApiRole').map((g) => g.action).sort()).toEqual(['logs:CreateLogStream', 'logs:PutLogEvents']);
  // the machine's own role (its tasks) is not given the group
  expect(onGroup('EngineOrdersRole')).toEqual([]);
});

test('ERROR by default, as sfn.StateMachine; a level other than OFF needs a destination', () => {
  const { stack, engine } = engineStack();
  const group = logs.LogGroup.fromLogGroupName(stack, 'Imported', 'team-logs');
  const sm = engine.addStateMachine('Default', { name: 'default-level', definition, logs: { destination: group } });
  expect(sm.settings.loggingConfiguration).toMatchObject({ level: 'ERROR', includeExecutionData: false });
  expect(() => engine.addStateMachine('NoGroup', { name: 'no-group', definition, logs: { level: sfn.LogLevel.ALL } })).toThrow(/logs\.destination is required when logs\.level is ALL/);
  expect(engine.addStateMachine('Off', { name: 'off', definition, logs: { level: sfn.LogLevel.OFF } }).settings.loggingConfiguration).toEqual({ level: 'OFF', includeExecutionData: false });
});

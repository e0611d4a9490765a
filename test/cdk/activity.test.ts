/**
 * engine.addActivity: the activity item written into the engine's table at deploy time (a custom
 * resource's UpdateItem, DeleteItem on removal), its ARN usable as a Task Resource, and
 * activity.grant(worker) giving the worker the engine's API and a grant on that activity only; no
 * cdk-nag finding left unacknowledged.
 */
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { expandActions, isAllowed, parseAccessPolicy } from '../../lambda/runtime/access';
import { engineStack, grants, resource, violations } from './helpers';

function withActivity() {
  const built = engineStack();
  const activity = built.engine.addActivity('Resize', { name: 'resize-images' });
  return { ...built, activity };
}

describe('engine.addActivity', () => {
  it('registers the activity item in the engine table, in the store\'s layout', () => {
    const { stack, engine } = withActivity();
    const template = Template.fromStack(stack);
    const [cr] = Object.values(template.findResources('Custom::AWS')) as { Properties: { Create: unknown; Delete: unknown } }[];
    // the call is JSON text with the table's name joined in: put a marker in its place and read it
    const joined = (v: unknown) => {
      const [, parts] = (v as { 'Fn::Join': [string, unknown[]] })['Fn::Join'];
      return JSON.parse(parts.map((p) => (typeof p === 'string' ? p : (expect(p).toEqual(stack.resolve(engine.table.tableName)), 'TABLE'))).join('')) as Record<string, any>;
    };
    const arn = 'arn:aws:states:us-east-1:123456789012:activity:resize-images';
    const create = joined(cr.Properties.Create);
    expect(create).toMatchObject({ service: 'DynamoDB', action: 'updateItem', parameters: { TableName: 'TABLE', Key: { pk: { S: `ACT#${arn}` }, sk: { S: 'META' } } } });
    const p = create.parameters as { UpdateExpression: string; ExpressionAttributeNames: Record<string, string>; ExpressionAttributeValues: Record<string, { S: string }> };
    const written = Object.fromEntries(p.UpdateExpression.replace(/^SET /, '').split(', ').map((kv) => kv.split(' = ')).map(([k, v]) => [p.ExpressionAttributeNames[k], p.ExpressionAttributeValues[v].S]));
    expect(written).toEqual({ gsi1pk: 'ACTLIST', gsi1sk: arn, arn, name: 'resize-images' });
    expect(joined(cr.Properties.Delete)).toMatchObject({ action: 'deleteItem', parameters: { TableName: 'TABLE', Key: { pk: { S: `ACT#${arn}` }, sk: { S: 'META' } } } });
    // its function may write and delete on the engine's table only
    const policy = Object.entries(template.findResources('AWS::IAM::Policy')).find(([id]) => id.startsWith('EngineActivitiesResizeRegistration'))![1] as { Properties: { PolicyDocument: { Statement: unknown[] } } };
    expect(policy.Properties.PolicyDocument.Statement).toEqual([{ Action: ['dynamodb:DeleteItem', 'dynamodb:UpdateItem'], Effect: 'Allow', Resource: stack.resolve(engine.table.tableArn) }]);
  });

  it('gives the ARN a Task names, and a state machine using it synthesizes', () => {
    const { stack, engine, activity } = withActivity();
    expect(stack.resolve(activity.activityArn)).toBe('arn:aws:states:us-east-1:123456789012:activity:resize-images');
    engine.addStateMachine('Resizer', { definition: { StartAt: 'Work', States: { Work: { Type: 'Task', Resource: activity.activityArn, HeartbeatSeconds: 60, End: true } } } });
    expect(() => Template.fromStack(stack)).not.toThrow();
  });

  it('grant(worker) gives execute-api:Invoke and records GetActivityTask, DescribeActivity and SendTask* on this activity only', () => {
    const { stack, engine, activity } = withActivity();
    engine.addActivity('Other', { name: 'transcode' });
    const worker = new iam.Role(stack, 'WorkerHost', { assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com') });
    activity.grant(worker);
    const template = Template.fromStack(stack);
    expect(grants(template, 'WorkerHost').map((g) => g.action)).toContain('execute-api:Invoke');
    // the grants the API function reads: the worker's role (a token) replaced by a marker
    const env = resource(template, 'AWS::Lambda::Function', 'EngineApi').props.Environment.Variables.STEPWRIGHT_ACCESS_GRANTS as { 'Fn::Join': [string, (string | object)[]] };
    const text = env['Fn::Join'][1].map((p) => (typeof p === 'string' ? p : 'arn:aws:iam::123456789012:role/WorkerHost')).join('');
    const policy = parseAccessPolicy(text);
    expect(policy.grants).toEqual([['arn:aws:iam::123456789012:role/WorkerHost', 'activity:resize-images', ['@activity']]]);
    expect([...expandActions(policy.grants[0][2])].sort()).toEqual(['DescribeActivity', 'GetActivityTask', 'SendTaskFailure', 'SendTaskHeartbeat', 'SendTaskSuccess']);
    // as the API checks it: this activity's jobs, not another's, and no engine-wide activity action
    const caller = { userArn: 'arn:aws:sts::123456789012:assumed-role/WorkerHost/i-0abc' };
    const on = (action: string, name?: string) => isAllowed(policy, caller, { action, stateMachine: '', resource: '*', ...(name ? { activity: name } : {}) });
    expect(on('GetActivityTask', 'resize-images')).toBe(true);
    expect(on('GetActivityTask', 'transcode')).toBe(false);
    expect(on('CreateActivity')).toBe(false);
    expect(on('DeleteActivity', 'resize-images')).toBe(false);
    expect(on('ListActivities')).toBe(false);
  });

  it('refuses an invalid name at synth, naming it', () => {
    const { engine } = engineStack();
    expect(() => engine.addActivity('Bad', { name: 'has space' })).toThrow(/'has space' is not a valid activity name/);
  });

  it('leaves no cdk-nag finding unacknowledged', () => {
    const { stack } = withActivity();
    expect(violations(stack)).toEqual([]);
  });
});

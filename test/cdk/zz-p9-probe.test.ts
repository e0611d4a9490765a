import { Template } from 'aws-cdk-lib/assertions';
import { engineStack } from './helpers';
it('probe', () => {
  const { stack, engine } = engineStack();
  engine.addActivity('Resize', { name: 'resize-images' });
  const t = Template.fromStack(stack);
  for (const [id, p] of Object.entries(t.findResources('AWS::IAM::Policy'))) if (id.includes('Resize')) console.log(id, JSON.stringify((p as any).Properties.PolicyDocument));
});

/**
 * cdk-nag's AwsSolutions pack: no unacknowledged findings, every acknowledgment has a reason, and
 * none is stale (each one silences a finding that really occurs).
 */
import { Stack, Validations } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { StepwrightEngine } from '../../lib/stepwright-engine';
import { ENV, buildStack, newApp } from './helpers';

function violations(scope: IConstruct) {
  return new AwsSolutionsChecks(undefined, { verbose: true }).validateScope(scope).violations;
}

/** Every acknowledgment recorded in the tree: rule id -> reasons. */
function acknowledgments(scope: IConstruct): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const c of scope.node.findAll()) {
    for (const m of c.node.metadata) {
      if (m.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY) continue;
      for (const [id, reason] of Object.entries(m.data as Record<string, string>)) {
        const key = id.replace(/^annotation::/i, '');
        out.set(key, [...(out.get(key) ?? []), reason]);
      }
    }
  }
  return out;
}

/** The full-options stack: customer key, tracing, stream, alarm topic, a state machine. */
function fullStack(): Stack {
  const app = newApp();
  const stack = new Stack(app, 'Full', { env: ENV });
  const key = new kms.Key(stack, 'Key', { enableKeyRotation: true });
  const topic = new sns.Topic(stack, 'Alarms', { enforceSSL: true, masterKey: key });
  const engine = new StepwrightEngine(stack, 'Engine', { encryptionKey: key, tracing: lambda.Tracing.ACTIVE, stream: true, alarmTopic: topic });
  engine.addStateMachine('M', { definition: { StartAt: 'P', States: { P: { Type: 'Pass', End: true } } } });
  return stack;
}

test('the deployed stack has no unacknowledged AwsSolutions findings', () => {
  const { stack } = buildStack();
  expect(violations(stack).map((v) => `${v.severity} ${v.ruleName}: ${v.violatingResources.map((r) => r.constructPath).join(', ')}`)).toEqual([]);
});

test('with every option (KMS key, tracing, stream, alarm topic) still none', () => {
  expect(violations(fullStack()).map((v) => `${v.severity} ${v.ruleName}`)).toEqual([]);
});

describe('acknowledgments', () => {
  const stacks = [buildStack().stack, fullStack()];

  test('each carries a real reason', () => {
    for (const stack of stacks) {
      const acks = acknowledgments(stack);
      expect(acks.size).toBeGreaterThan(0);
      for (const [id, reasons] of acks) {
        for (const reason of reasons) {
          expect({ id, ok: reason.length >= 40 && /\s/.test(reason) }).toEqual({ id, ok: true });
        }
      }
    }
  });

  test('none is stale: each silences a finding that occurs without it', () => {
    const spy = jest.spyOn(Validations.prototype, 'acknowledge').mockImplementation(() => undefined);
    let unacknowledged: Set<string>[];
    try {
      unacknowledged = [new Set(violations(buildStack().stack).map((v) => v.ruleName)), new Set(violations(fullStack()).map((v) => v.ruleName))];
    } finally {
      spy.mockRestore();
    }
    stacks.forEach((stack, i) => {
      for (const id of acknowledgments(stack).keys()) expect({ id, occurs: unacknowledged[i].has(id) }).toEqual({ id, occurs: true });
    });
  });
});

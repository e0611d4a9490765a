/** The engine bench's 10-state reference workflow (4 Lambda Tasks, 6 Pass/Choice), its tasks and input. */
import type { TaskFunction } from '../lambda/local/runner';

type Json = Record<string, unknown>;
const fn = (name: string) => `arn:aws:lambda:us-east-1:123456789012:function:${name}`;

/** 10 states, all entered on the path the input takes: 4 Lambda Tasks, 4 Pass, 2 Choice. */
export const REFERENCE_WORKFLOW: Json = {
  Comment: 'bench reference: 4 Lambda tasks, 6 Pass/Choice',
  StartAt: 'Init',
  States: {
    Init: { Type: 'Pass', Parameters: { 'order.$': '$', status: 'new' }, Next: 'Validate' },
    Validate: { Type: 'Task', Resource: fn('Validate'), ResultPath: '$.valid', Next: 'IsValid' },
    IsValid: { Type: 'Choice', Choices: [{ Variable: '$.valid', BooleanEquals: false, Next: 'Done' }], Default: 'Enrich' },
    Enrich: { Type: 'Task', Resource: fn('Enrich'), ResultPath: '$.customer', Next: 'Shape' },
    Shape: { Type: 'Pass', Parameters: { 'order.$': '$.order', 'tier.$': '$.customer.tier' }, Next: 'Score' },
    Score: { Type: 'Task', Resource: fn('Score'), ResultPath: '$.score', Next: 'Route' },
    Route: { Type: 'Choice', Choices: [{ Variable: '$.score', NumericGreaterThan: 50, Next: 'Notify' }], Default: 'Summarize' },
    Notify: { Type: 'Task', Resource: fn('Notify'), ResultPath: '$.notified', Next: 'Summarize' },
    Summarize: { Type: 'Pass', Parameters: { 'id.$': '$.order.id', 'score.$': '$.score' }, Next: 'Done' },
    Done: { Type: 'Pass', End: true },
  },
};

export const REFERENCE_TASKS: Record<string, TaskFunction> = {
  Validate: async (o) => typeof (o as Json).order === 'object',
  Enrich: async () => ({ tier: 'gold', since: 2019 }),
  Score: async (o) => ((o as { order: { amount: number } }).order.amount % 100) + 1,
  Notify: async () => true,
};

export const REFERENCE_INPUT = { id: 'o-1', amount: 90, lines: [{ sku: 'a', qty: 2 }, { sku: 'b', qty: 1 }] };
/** what the reference workflow returns for REFERENCE_INPUT (Summarize's output, passed on by Done) */
export const REFERENCE_OUTPUT = { id: 'o-1', score: 91 };

/** A one-Task spread Map (Pass -> Task per item): the fan-out figure of issue 16 (<= 8 WRU per item). */
export const SPREAD_MAP: Json = {
  Comment: 'bench: spread Map, one Task per item',
  StartAt: 'Each',
  States: {
    Each: {
      Type: 'Map',
      ItemsPath: '$.items',
      ItemProcessor: {
        StartAt: 'Wrap',
        States: {
          Wrap: { Type: 'Pass', Parameters: { 'n.$': '$' }, Next: 'Inc' },
          Inc: { Type: 'Task', Resource: fn('Inc'), End: true },
        },
      },
      End: true,
    },
  },
};
export const SPREAD_TASKS: Record<string, TaskFunction> = { Inc: async (x) => (x as { n: number }).n + 1 };

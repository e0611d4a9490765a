/** What several engine tests start an execution with. */
import type { IncomingEvent } from '../../lambda/engine/types';

/** The StartExecution event of execution `e1` of state machine `sm`, with `input`. */
export const startEvent = (input: unknown): IncomingEvent => ({
  type: 'StartExecution',
  execution: {
    arn: 'arn:aws:states:us-east-1:111111111111:execution:sm:e1',
    name: 'e1',
    input,
    startTime: '2026-01-01T00:00:00.000Z',
    roleArn: 'arn:aws:iam::111111111111:role/r',
    stateMachineArn: 'arn:aws:states:us-east-1:111111111111:stateMachine:sm',
    stateMachineName: 'sm',
  },
});

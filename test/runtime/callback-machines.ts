/** A state machine several tests park on: a callback task that hands its token to the local task `Park`. */
export const PARKER = {
  StartAt: 'Park',
  States: {
    Park: {
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
      Parameters: { FunctionName: 'Park', Payload: { 'token.$': '$$.Task.Token' } },
      ResultPath: '$.answer',
      End: true,
    },
  },
};

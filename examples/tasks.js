// Local stand-ins for the Lambda functions the example definitions name, keyed by function name.
// `stepwright serve` loads this module through stepwright.config.json; `stepwright run --tasks` too.
module.exports = {
  // exam-results: adds every numeric score into "total".
  AddTotal: async (scores) => {
    const total = Object.values(scores).filter((v) => typeof v === 'number').reduce((a, b) => a + b, 0);
    return { ...scores, total };
  },

  // manual-approval: a real system would e-mail the token to an approver. Under `stepwright serve`
  // this prints how to answer, and the execution waits for that answer (the return value is
  // ignored, as for an asynchronous Lambda). Under `stepwright run` the return value is the answer.
  RequestApproval: async ({ taskToken, request }) => {
    console.log(`approval requested for ${JSON.stringify(request)}; approve with:\n` +
      `  curl -s -X POST http://127.0.0.1:8083/tasks/success -H 'content-type: application/json' ` +
      `-d '{"taskToken": "${taskToken}", "output": {"approved": true, "by": "you"}}'`);
    return { approved: true, by: 'auto-approved by stepwright run' };
  },
};

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
  // The curl names the address actually served: `stepwright serve` sets STEPWRIGHT_ENDPOINT (another
  // --port, or --port 0) before any task runs.
  RequestApproval: async ({ taskToken, request }) => {
    const endpoint = process.env.STEPWRIGHT_ENDPOINT ?? 'http://127.0.0.1:8083';
    console.log(`approval requested for ${JSON.stringify(request)}; approve with:\n` +
      `  curl -s -X POST ${endpoint}/tasks/success -H 'content-type: application/json' ` +
      `-d '{"taskToken": "${taskToken}", "output": {"approved": true, "by": "you"}}'`);
    return { approved: true, by: 'auto-approved by stepwright run' };
  },
};

// Local stand-ins for the Lambda functions the definition names, keyed by function name.
module.exports = {
  // Adds every numeric score into "total".
  AddTotal: async (scores) => {
    const total = Object.values(scores).filter((v) => typeof v === 'number').reduce((a, b) => a + b, 0);
    return { ...scores, total };
  },
};

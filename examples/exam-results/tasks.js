// The exam-results task, shared with the other examples (see ../tasks.js).
module.exports = require('../tasks.js');

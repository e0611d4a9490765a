// Preloaded (`node -r`) into a server process by bench/server-memory.ts: on the message 'sample' over
// the IPC channel it forces a full GC (the process runs with --expose-gc) and answers with
// process.memoryUsage() and the V8 heap spaces, so the bench reads what the server really retains.
// Plain JS and no imports from the project: it must not change what the server loads.
const v8 = require('node:v8');

process.on('message', (m) => {
  if (m !== 'sample') return;
  if (typeof global.gc === 'function') global.gc();
  const u = process.memoryUsage();
  const oldSpace = v8.getHeapSpaceStatistics().find((s) => s.space_name === 'old_space');
  process.send({ rss: u.rss, heapUsed: u.heapUsed, heapTotal: u.heapTotal, external: u.external, arrayBuffers: u.arrayBuffers, oldSpaceSize: oldSpace ? oldSpace.space_size : 0 });
});
// The IPC channel must not keep a server alive that was asked to stop.
if (process.channel) process.channel.unref();

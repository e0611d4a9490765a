import { startLocalEngine } from '../lambda/local/local-engine';
import { LocalTaskInvoker } from '../lambda/local/local-invoker';
import { resolverFromTable } from '../lambda/local/tasks';
import { startExecution, stateMachineArnFor } from '../lambda/runtime/service';
import { instrumentEngine } from './io-count';
import { itemSize, writeUnitsFor } from './dynamo-units';
import { REFERENCE_INPUT, REFERENCE_TASKS, REFERENCE_WORKFLOW } from './reference-workflow';
async function main() {
  const engine = await startLocalEngine({ invoker: new LocalTaskInvoker(resolverFromTable(REFERENCE_TASKS)), timeScale: 0, stateMachines: [{ name: 'reference', definition: REFERENCE_WORKFLOW as never, definitionText: JSON.stringify(REFERENCE_WORKFLOW) }] });
  const io = instrumentEngine(engine, { record: true });
  const arn = stateMachineArnFor(engine.deps, 'reference');
  await startExecution(engine.deps, { stateMachineArn: arn, input: JSON.stringify(REFERENCE_INPUT) }); await engine.idle(); io.reset();
  await startExecution(engine.deps, { stateMachineArn: arn, input: JSON.stringify(REFERENCE_INPUT) }); await engine.idle();
  for (const r of io.counts.recorded) {
    if (r.kind === 'read') console.log('R', r.op, r.consistent, r.sizes.join(','));
    else console.log('W', r.op, (r.after?.sk ?? r.before?.sk)?.S, itemSize(r.before), itemSize(r.after), writeUnitsFor(Math.max(itemSize(r.before), itemSize(r.after))), r.failed ? 'FAILED' : '');
  }
  io.close(); await engine.close();
}
void main();

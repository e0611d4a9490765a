import { startLocalEngine } from '/work/main/lambda/local/local-engine';
import { startHttpServer } from '/work/main/lambda/local/http-server';
import { LocalTaskInvoker } from '/work/main/lambda/local/local-invoker';
import { SFNClient, CreateStateMachineCommand, StartExecutionCommand, DescribeExecutionCommand, GetExecutionHistoryCommand, DescribeStateMachineCommand, ListExecutionsCommand } from '@aws-sdk/client-sfn';
import { readFileSync } from 'fs';
(async () => {
  const engine = await startLocalEngine({ invoker: new LocalTaskInvoker('/work/main/examples/tasks.js'), timeScale: 0 });
  const http = await startHttpServer(engine.deps, 0, '127.0.0.1');
  const sfn = new SFNClient({ endpoint: http.url, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
  const sm = await sfn.send(new CreateStateMachineCommand({ name: 'exam', definition: readFileSync('/work/main/examples/exam-results/definition.json', 'utf8'), roleArn: 'arn:aws:iam::123456789012:role/x' }));
  console.log(sm);
  console.log(await sfn.send(new DescribeStateMachineCommand({ stateMachineArn: sm.stateMachineArn })));
  const ex = await sfn.send(new StartExecutionCommand({ stateMachineArn: sm.stateMachineArn, name: 'a', input: JSON.stringify({ comment: 'x', lambda: { math: 80, eng: 93 } }) }));
  console.log(ex);
  await engine.idle();
  console.log(await sfn.send(new DescribeExecutionCommand({ executionArn: ex.executionArn })));
  const h = await sfn.send(new GetExecutionHistoryCommand({ executionArn: ex.executionArn }));
  console.log(JSON.stringify(h.events, null, 1));
  console.log(await sfn.send(new ListExecutionsCommand({ stateMachineArn: sm.stateMachineArn, statusFilter: 'SUCCEEDED' })));
  try { await sfn.send(new CreateStateMachineCommand({ name: 'bad', definition: JSON.stringify({StartAt:'X', States:{}}), roleArn: 'arn:aws:iam::123456789012:role/x' })); } catch (e: any) { console.log(e.name, e.constructor.name, e.message, e.$metadata); }
  try { await sfn.send(new DescribeExecutionCommand({ executionArn: ex.executionArn + 'zz' })); } catch (e: any) { console.log(e.name, e.constructor.name, e.message); }
  sfn.destroy();
  await http.close(); await engine.close();
})();

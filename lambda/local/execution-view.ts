/**
 * An execution as the local server's REST routes return it (GET /executions/{arn} and the items of
 * a machine's execution list): DescribeExecution's fields. One type for its two readers, the CLI
 * (bin/commands/server-commands.ts) and the web console (ui/api.ts, bundled by esbuild: type only).
 */
export interface ExecutionView {
  executionArn: string;
  stateMachineArn: string;
  name: string;
  status: string;
  startDate: string;
  stopDate?: string;
  input?: unknown;
  output?: unknown;
  error?: string;
  cause?: string;
  redriveCount?: number;
}

/**
 * What one state of one run can read while it is processed (the StateEnv of dataflow.ts).
 * A class rather than an object of closures: one is made per state, on the hot path.
 */
import type { RandomSource } from '../asl/scope';
import { defineKey } from '../asl/jsonpath';
import { buildContext, type ContextExtras } from './context';
import type { QueryLanguage, StateEnv } from './dataflow';
import type { ExecutionSnapshot, Run } from './types';

export class RunEnv implements StateEnv {
  private ctx: Record<string, unknown> | undefined;

  constructor(
    private readonly snap: ExecutionSnapshot,
    private readonly run: Run,
    readonly language: QueryLanguage,
    private readonly extras: ContextExtras,
    readonly random: RandomSource,
    readonly nowMillis: number,
  ) {}

  get stateName(): string {
    return this.run.stateName;
  }

  get rawInput(): unknown {
    return this.run.stateInput;
  }

  /** Built on first use: most states never read $$. */
  get context(): Record<string, unknown> {
    return (this.ctx ??= buildContext(this.snap, this.run, this.extras));
  }

  lookupVariable(name: string): { found: boolean; value?: unknown } {
    for (let r: Run | undefined = this.run; r; r = r.parentId ? this.snap.runs[r.parentId] : undefined) {
      if (Object.prototype.hasOwnProperty.call(r.variables, name)) return { found: true, value: r.variables[name] };
    }
    // A spread child (its own execution) sees the variables of the scopes around its Map or Parallel state.
    const outer = this.snap.child?.outerVariables;
    if (outer && Object.prototype.hasOwnProperty.call(outer, name)) return { found: true, value: outer[name] };
    return { found: false };
  }

  visibleVariables(): Record<string, unknown> {
    const chain: Run[] = [];
    for (let r: Run | undefined = this.run; r; r = r.parentId ? this.snap.runs[r.parentId] : undefined) chain.unshift(r);
    // defineKey, not Object.assign: a variable named "__proto__" stays a variable (inner scopes shadow outer ones)
    const visible: Record<string, unknown> = {};
    for (const scope of [this.snap.child?.outerVariables ?? {}, ...chain.map((r) => r.variables)]) for (const key of Object.keys(scope)) defineKey(visible, key, scope[key]);
    return visible;
  }
}

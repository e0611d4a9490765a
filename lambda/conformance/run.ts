/**
 * `stepwright conformance <dir>`: runs every case file under dir against the interpreter (in-process,
 * virtual timers, local task behaviours) and compares status, output, error and cause with what AWS
 * recorded, and, for the cases that recorded one (`events`), the history: the event types in order,
 * and the state names where the case records them; the events of Parallel branches that the recording
 * sorted are compared as the recording left them (history-compare.ts and docs/conformance.md say
 * exactly what). Known failures live in an expectations file, test262-style, each with a reason: the
 * run fails only on failures that are not listed, and says which listed ones now pass.
 */
import { readFileSync, readdirSync, statSync, existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { runExecution, type RunResult } from '../local/runner';
import { resolverFromTable } from '../local/tasks';
import { tasksFromBehaviours, type Behaviour } from './behaviours';
import { diffJson, stringMatches, type Difference } from './compare';
import { compareHistory, recordedWithParallelNormalisation, type RecordedEvent } from './history-compare';
import type { StateMachineDefinition } from '../engine/definition';
import type { HistoryEvent } from '../engine/history';

export interface ConformanceCase {
  name: string;
  group: string;
  definition: StateMachineDefinition;
  input: unknown;
  expected: { status: string; output?: unknown; error?: string; cause?: string; causeMatch?: string };
  tasks?: Record<string, Behaviour>;
  placeholderTokens?: string[];
  /** the history AWS recorded (event types in order), when the case has one */
  events?: RecordedEvent[];
  /** where the case was recorded ("localstack <pytest node id>") */
  source?: string;
}

/** What one run of a case ended with (in process, or through the API of the durable engine). */
export interface CaseResult {
  status: string;
  output?: unknown;
  error?: string;
  cause?: string;
  /** the execution's history; compared when the case recorded `events` */
  events?: HistoryEvent[];
}

/** A case as its file holds it: the group is the folder's name unless the file names one. */
type CaseFile = Omit<ConformanceCase, 'group'> & { group?: string };

export interface CaseOutcome {
  name: string;
  group: string;
  passed: boolean;
  differences: Difference[];
}

/** Every JSON file under dir that looks like a case (has name, definition and expected). */
export function loadCases(dir: string): ConformanceCase[] {
  const files: string[] = [];
  const walk = (d: string) => {
    for (const entry of readdirSync(d).sort()) {
      const p = join(d, entry);
      if (statSync(p).isDirectory()) walk(p);
      else if (entry.endsWith('.json')) files.push(p);
    }
  };
  walk(dir);
  const cases: ConformanceCase[] = [];
  for (const f of files) {
    const data: unknown = JSON.parse(readFileSync(f, 'utf8'));
    if (data && typeof data === 'object' && !Array.isArray(data) && 'definition' in data && data.definition && 'expected' in data && data.expected) {
      // a case file is taken at its word (the corpus is AWS's recorded runs); its group, if it names one, stands
      cases.push({ group: relative(dir, f).split('/').slice(-2, -1)[0] ?? '', ...(data as CaseFile) });
    }
  }
  return cases;
}

const CASE_TIMEOUT_MS = 20_000;

export async function runCase(c: ConformanceCase): Promise<CaseOutcome> {
  let result: RunResult;
  try {
    result = await withTimeout(
      runExecution({
        definition: c.definition,
        input: c.input,
        tasks: resolverFromTable(tasksFromBehaviours(c.tasks ?? {})),
        fastTimers: true,
      }),
      CASE_TIMEOUT_MS,
    );
  } catch (e) {
    return { name: c.name, group: c.group, passed: false, differences: [{ path: '(crash)', expected: c.expected.status, actual: String((e as Error)?.stack ?? e) }] };
  }
  const diffs = caseDifferences(c, { ...result, events: result.history });
  return { name: c.name, group: c.group, passed: diffs.length === 0, differences: diffs };
}

/**
 * A case's expectations against a result: status, output (SUCCEEDED) or error and cause, then the
 * history when the case recorded one. The one comparison of both runners (in process and durable).
 */
export function caseDifferences(c: ConformanceCase, result: CaseResult): Difference[] {
  const tokens = c.placeholderTokens ?? [];
  const diffs: Difference[] = [];
  if (result.status !== c.expected.status) diffs.push({ path: 'status', expected: c.expected.status, actual: result.status });
  if (c.expected.status === 'SUCCEEDED') diffs.push(...diffJson(c.expected.output, result.output, tokens).map((d) => ({ ...d, path: `output${d.path === '/' ? '' : d.path}` })));
  else {
    if (!sameOptionalString(c.expected.error, result.error, tokens)) diffs.push({ path: 'error', expected: c.expected.error, actual: result.error });
    if (c.expected.causeMatch !== 'ignore' && !sameOptionalString(c.expected.cause, result.cause, tokens)) diffs.push({ path: 'cause', expected: c.expected.cause, actual: result.cause });
  }
  if (c.events) {
    const history = compareHistory(c.events, result.events ?? [], { parallelNormalised: recordedWithParallelNormalisation(c.source) });
    if (history) diffs.push(history);
  }
  return diffs;
}

function sameOptionalString(expected: string | undefined, actual: string | undefined, tokens: string[]): boolean {
  if (expected === undefined) return actual === undefined;
  return stringMatches(expected, actual, tokens);
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`case did not finish within ${ms} ms`)), ms);
    }),
  ]);
}

/** Parses the expectations file: one `<case name>  # reason` per line; blank lines and `#` lines ignored. */
export function parseExpectations(text: string): Map<string, string> {
  const known = new Map<string, string>();
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const hash = line.indexOf(' #');
    const name = (hash >= 0 ? line.slice(0, hash) : line).trim();
    const reason = hash >= 0 ? line.slice(hash + 2).trim() : '';
    known.set(name, reason);
  }
  return known;
}

function short(v: unknown): string {
  const s = v === undefined ? 'undefined' : JSON.stringify(v);
  return s.length > 160 ? `${s.slice(0, 157)}...` : s;
}

/** The corpus folder is missing, is not a folder, or holds no case file: nothing was run (the CLI exits 2). */
export class ConformanceDirError extends Error {
  override name = 'ConformanceDirError';
}

export interface ConformanceSummary {
  passed: number;
  failed: number;
  unexpected: string[];
  nowPassing: string[];
}

/** The cases a run takes (the corpus, filtered) and the expectations file's known failures. */
export function selectCases(dir: string, opts: { expectationsFile?: string; filter?: string }): { cases: ConformanceCase[]; known: Map<string, string> } {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new ConformanceDirError(`conformance folder not found: ${dir}`);
  const casesDir = existsSync(join(dir, 'cases')) ? join(dir, 'cases') : dir;
  let cases = loadCases(casesDir);
  if (cases.length === 0) throw new ConformanceDirError(`no conformance cases under ${dir}`);
  if (opts.filter) cases = cases.filter((c) => c.name.includes(opts.filter!) || c.group === opts.filter);
  const known = opts.expectationsFile && existsSync(opts.expectationsFile) ? parseExpectations(readFileSync(opts.expectationsFile, 'utf8')) : new Map<string, string>();
  return { cases, known };
}

/**
 * The report of a run, shared by the in-process and the durable runner: each unexpected failure with
 * its first differences, the counts per group, the known failures and those now passing, and the
 * summary line `N passed, N failed` that CI reads. outcomes[i] is cases[i]'s.
 */
export function reportOutcomes(cases: ConformanceCase[], outcomes: CaseOutcome[], known: Map<string, string>, log: (line: string) => void): ConformanceSummary {
  const groups = new Map<string, { passed: number; failed: number }>();
  const unexpected: string[] = [];
  const nowPassing: string[] = [];
  let passed = 0;
  let failed = 0;
  cases.forEach((c, i) => {
    const outcome = outcomes[i];
    const g = groups.get(c.group) ?? { passed: 0, failed: 0 };
    groups.set(c.group, g);
    if (outcome.passed) {
      passed++;
      g.passed++;
      if (known.has(c.name)) nowPassing.push(c.name);
      return;
    }
    failed++;
    g.failed++;
    if (known.has(c.name)) return;
    unexpected.push(c.name);
    log(`FAIL ${c.group}/${c.name}`);
    for (const d of outcome.differences.slice(0, 5)) log(`  ${d.path}: expected ${short(d.expected)}, got ${short(d.actual)}`);
  });
  log('');
  for (const [name, g] of [...groups.entries()].sort()) log(`${name.padEnd(30)} ${g.passed} passed, ${g.failed} failed`);
  const listedFailing = [...known.keys()].filter((n) => cases.some((c) => c.name === n) && !nowPassing.includes(n));
  log('');
  log(`known failures (listed in the expectations file): ${listedFailing.length}`);
  for (const n of nowPassing) log(`NOW PASSING (remove it from the expectations file): ${n}`);
  log(`unexpected failures: ${unexpected.length}`);
  log(`${passed} passed, ${failed} failed`);
  return { passed, failed, unexpected, nowPassing };
}

export async function runConformance(dir: string, opts: { expectationsFile?: string; filter?: string; log?: (line: string) => void } = {}): Promise<ConformanceSummary> {
  const { cases, known } = selectCases(dir, opts);
  const outcomes: CaseOutcome[] = [];
  for (const c of cases) outcomes.push(await runCase(c));
  return reportOutcomes(cases, outcomes, known, opts.log ?? ((l: string) => console.log(l)));
}

/**
 * `stepwright run`'s live line on a terminal: the state the execution is in, the time since it
 * started and, while a Map runs, its items done out of all (`Process 12/40`). One line, redrawn in
 * place (carriage return and erase-line), and erased before the result is printed, so what stays on
 * the screen is the same as without it. Nothing at all under --json or when standard output is not a
 * terminal (a pipe, a file, CI): scripts read exactly what they read before.
 *
 * Fed by runExecution's onEvents hook (the snapshot after each step of the interpreter); a timer
 * redraws the elapsed time while nothing happens (a Wait, a slow task).
 */
import type { ExecutionSnapshot } from '../../lambda/engine/types';
import type { HistoryEvent } from '../../lambda/engine/history';

/** Where the line goes: process.stdout, or a stand-in with the same members (the tests). */
export interface ProgressStream {
  isTTY?: boolean;
  columns?: number;
  write(chunk: string): unknown;
}

export interface MapProgress {
  state: string;
  done: number;
  total: number;
}

export interface RunProgress {
  /** the state the execution (its top-level run) is in */
  state?: string;
  /** the Maps running now, outermost first */
  maps: MapProgress[];
}

/** What the line shows, read from a snapshot (pure). */
export function progressOf(snapshot: ExecutionSnapshot): RunProgress {
  const maps: (MapProgress & { depth: number })[] = [];
  for (const run of Object.values(snapshot.runs ?? {})) {
    const fan = run.fanOut;
    if (run.status !== 'RUNNING' || !fan || fan.kind !== 'map') continue;
    // a child run's id is its parent's id plus `/<state>/<index>`: fewer segments, further out
    maps.push({ state: run.stateName, done: fan.succeeded + fan.failed, total: fan.total, depth: run.id.split('/').length });
  }
  maps.sort((a, b) => a.depth - b.depth);
  return { state: snapshot.runs?.root?.stateName, maps: maps.map(({ state, done, total }) => ({ state, done, total })) };
}

/** The line itself, without the terminal codes. */
export function progressLine(p: RunProgress, elapsedMs: number): string {
  const seconds = (Math.max(0, elapsedMs) / 1000).toFixed(1);
  const maps = p.maps.map((m) => `${m.state} ${m.done}/${m.total}`).join('  ');
  return `▸ ${p.state ?? 'starting'}  ${seconds}s${maps ? `  ${maps}` : ''}`;
}

export interface LiveLine {
  /** runExecution's onEvents hook; undefined when the line is off */
  onEvents?: (events: HistoryEvent[], snapshot: ExecutionSnapshot) => void;
  /** erases the line and stops the timer (call before printing the result) */
  stop(): void;
}

export interface LiveLineOptions {
  /** --json: no line */
  json?: boolean;
  /** the clock (ms); Date.now unless a test gives its own */
  now?: () => number;
  /** redraw the elapsed time this often while nothing happens (ms; 0: never). Default 200 */
  refreshMs?: number;
  /** at most one redraw per this many ms for Map progress alone (a big Map moves thousands of times). Default 50 */
  minIntervalMs?: number;
}

const ERASE = '\r\x1b[2K';

/** Starts the live line on `stream` (quiet unless it is a terminal and --json was not given). */
export function startLiveLine(stream: ProgressStream, opts: LiveLineOptions = {}): LiveLine {
  if (opts.json || !stream.isTTY) return { stop: () => undefined };
  const now = opts.now ?? Date.now;
  const started = now();
  const minInterval = opts.minIntervalMs ?? 50;
  let current: RunProgress = { maps: [] };
  let lastState: string | undefined;
  let lastDrawn = -Infinity;
  let shown = false;

  const draw = () => {
    const t = now();
    const line = progressLine(current, t - started);
    // never wider than the terminal: a wrapped line could not be redrawn in place
    const width = stream.columns && stream.columns > 1 ? stream.columns - 1 : undefined;
    stream.write(`${ERASE}${width !== undefined && line.length > width ? line.slice(0, width) : line}`);
    lastDrawn = t;
    shown = true;
  };

  const timer = opts.refreshMs === 0 ? undefined : setInterval(draw, opts.refreshMs ?? 200);
  timer?.unref(); // the line never keeps the process alive
  draw();

  return {
    onEvents: (_events, snapshot) => {
      const next = progressOf(snapshot);
      // the top-level run is gone once the execution ended: the line keeps the state it was in
      current = { ...next, state: next.state ?? current.state };
      // a new state is always shown; a Map's count at most every minInterval
      if (current.state !== lastState || now() - lastDrawn >= minInterval) draw();
      lastState = current.state;
    },
    stop: () => {
      if (timer) clearInterval(timer);
      if (shown) stream.write(ERASE);
      shown = false;
    },
  };
}

/**
 * The web console in real Chromium (Debian's chromium, driven by playwright-core) against a real
 * `stepwright serve` process on a free port, with the example config: one node per state for the
 * example machines, a failed execution's failed state in the failed colour, a running execution that
 * turns green without a reload, a state's details on click, and an editor edit that shows a
 * validation error on the right node. Screenshots go to test-output/console/.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { STATUS_COLOURS } from '../../lambda/local/console-history';

const ROOT = join(__dirname, '../..');
const SHOTS = join(ROOT, 'test-output/console');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const examples = ['exam-results', 'manual-approval'].map((name) => ({ name, definition: JSON.parse(readFileSync(join(ROOT, `examples/${name}/definition.json`), 'utf8')) as { States: Record<string, unknown> } }));

let server: ChildProcess;
let url = '';
let browser: Browser;
let page: Page;

/** Starts `stepwright serve` on port 0 and reads the address it prints. */
async function startServer(): Promise<void> {
  server = spawn(process.execPath, [join(ROOT, 'bin/stepwright.js'), 'serve', '--port', '0', '--in-memory', '--config', join(ROOT, 'stepwright.config.json'), '--log-level', 'error'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  url = await new Promise<string>((resolve, reject) => {
    server.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) resolve(m[1]);
    });
    server.stderr!.on('data', (c: Buffer) => (out += c.toString()));
    server.on('exit', (code) => reject(new Error(`serve exited (${code}): ${out}`)));
  });
}

async function post(path: string, body: unknown): Promise<any> {
  const res = await fetch(url + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const json = await res.json();
  if (!res.ok) throw new Error(`${path}: ${JSON.stringify(json)}`);
  return json;
}

const shot = (name: string) => page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
const fillOf = (state: string) => page.locator(`#graph [data-state="${state}"] > rect`).first().getAttribute('fill');

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: install Debian's chromium package (apt-get install -y chromium), or set CHROMIUM_PATH`);
  mkdirSync(SHOTS, { recursive: true });
  await startServer();
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox'] });
  page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  await post('/state-machines', { name: 'fails', definition: { StartAt: 'Prepare', States: { Prepare: { Type: 'Pass', Next: 'Explode' }, Explode: { Type: 'Fail', Error: 'Broken', Cause: 'on purpose' } } } });
  // a Map whose item processor holds a Task: its items run as child executions, under a Map Run
  await post('/state-machines', { name: 'totals', definition: { StartAt: 'Each', States: { Each: { Type: 'Map', ItemsPath: '$.students', ItemProcessor: { StartAt: 'Add', States: { Add: { Type: 'Task', Resource: 'arn:aws:lambda:us-east-1:111111111111:function:AddTotal', End: true } } }, End: true } } } });
  await post('/state-machines', { name: 'slow', definition: { StartAt: 'Hold', States: { Hold: { Type: 'Wait', Seconds: 6, Next: 'Finish' }, Finish: { Type: 'Pass', End: true } } } });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  if (server && server.exitCode === null) {
    const exited = new Promise((r) => server.once('exit', r));
    server.kill('SIGTERM');
    await exited;
  }
});

describe('the console in Chromium', () => {
  it('lists the machines and draws one node per state of each example', async () => {
    await page.goto(`${url}/`);
    await page.locator('#machines').waitFor();
    for (const ex of examples) expect(await page.locator(`#machines [data-machine="${ex.name}"]`).count()).toBe(1);
    await shot('machines');
    for (const ex of examples) {
      await page.goto(`${url}/#/machine/${ex.name}`);
      // a hash change keeps the page: wait for this machine's own first state, not any graph
      await page.locator(`.graph [data-state="${Object.keys(ex.definition.States)[0]}"]`).waitFor();
      const drawn = await page.locator('.graph [data-kind="state"]').evaluateAll((els) => els.map((e) => e.getAttribute('data-state')));
      expect(drawn.sort()).toEqual(Object.keys(ex.definition.States).sort());
      expect(await page.locator('.graph [data-kind="start"]').count()).toBe(1);
      await shot(`machine-${ex.name}`);
    }
    // the Choice's rule is written on its edge
    expect(await page.locator('.graph .edge-label').allTextContents()).toContain('$.approval.approved == true');
  });

  it("colours a failed execution's failed state in the failed colour, and shows its error on click", async () => {
    const { executionArn } = await post('/state-machines/fails/executions', { input: { x: 1 } });
    await page.goto(`${url}/#/execution/${encodeURIComponent(executionArn)}`);
    await page.locator('#exec-status', { hasText: 'FAILED' }).waitFor();
    expect(await fillOf('Explode')).toBe(STATUS_COLOURS.failed.fill);
    expect(await fillOf('Prepare')).toBe(STATUS_COLOURS.succeeded.fill);
    await page.locator('#graph [data-state="Explode"]').click();
    await page.locator('#state-panel', { hasText: 'Broken' }).waitFor();
    expect(await page.locator('#state-panel').textContent()).toContain('on purpose');
    expect(await page.locator('#history tbody tr').count()).toBeGreaterThanOrEqual(5);
    await shot('execution-failed');
  });

  it('turns a running execution green without a reload', async () => {
    const { executionArn } = await post('/state-machines/slow/executions', {});
    await page.goto(`${url}/#/execution/${encodeURIComponent(executionArn)}`);
    await page.locator('#exec-status', { hasText: 'RUNNING' }).waitFor();
    // the worker may not have entered the first state when the page first drew: it follows on its own
    await page.locator('#graph [data-state="Hold"][data-status="running"]').waitFor();
    expect(await fillOf('Hold')).toBe(STATUS_COLOURS.running.fill);
    await shot('execution-running');
    // no navigation from here on: the page updates itself
    await page.locator('#exec-status', { hasText: 'SUCCEEDED' }).waitFor({ timeout: 20_000 });
    await page.locator('#graph [data-state="Finish"][data-status="succeeded"]').waitFor();
    expect(await fillOf('Hold')).toBe(STATUS_COLOURS.succeeded.fill);
    expect(await fillOf('Finish')).toBe(STATUS_COLOURS.succeeded.fill);
    await shot('execution-succeeded');
  });

  it("lists a Map Run's items with their counts and links to each child", async () => {
    const { executionArn } = await post('/state-machines/totals/executions', { input: { students: [{ math: 1 }, { math: 2 }, { math: 3 }] } });
    await page.goto(`${url}/#/execution/${encodeURIComponent(executionArn)}`);
    await page.locator('#exec-status', { hasText: 'SUCCEEDED' }).waitFor({ timeout: 20_000 });
    // the Map Run's block is drawn after the summary: wait for its own end
    await page.locator('#map-runs [data-map-run-status="SUCCEEDED"]').waitFor();
    expect(await page.locator('#map-runs').textContent()).toMatch(/succeeded: 3/);
    const children = page.locator('#map-runs li a');
    expect(await children.count()).toBe(3);
    // (the page draws again should its history lack the end's events, written just after the end's commit)
    await page.locator('#graph [data-state="Each"][data-status="succeeded"]').waitFor();
    await shot('execution-map-run');
    // a child link opens the item's own execution
    await children.first().click();
    await page.locator('#graph [data-state="Add"][data-status="succeeded"]').waitFor();
  });

  it('shows a validation error on the right node as the definition is edited', async () => {
    await page.goto(`${url}/#/editor/manual-approval`);
    await page.locator('#editor-graph svg').waitFor();
    await page.locator('#problems li.ok').waitFor();
    const def = JSON.parse(await page.locator('#definition').inputValue());
    def.States.Ship.Next = 'Nowhere';
    delete def.States.Ship.End;
    await page.locator('#definition').fill(JSON.stringify(def, null, 2));
    await page.locator('#problems li[data-pointer="/States/Ship/Next"]').waitFor();
    await page.locator('#editor-graph [data-state="Ship"][data-invalid="true"]').waitFor();
    expect(await page.locator('#editor-graph [data-invalid="true"]').evaluateAll((els) => els.map((e) => e.getAttribute('data-state')))).toEqual(['Ship']);
    // the palette adds a state that is drawn at once
    await page.locator('[data-add="Wait"]').click();
    await page.locator('#editor-graph [data-state="Wait1"]').waitFor();
    await shot('editor');
  });
});

/**
 * Synthesizes StepwrightStack once with bundling (local esbuild) and reports each Lambda bundle:
 * files, bytes, and the zipped size Lambda stores. `npx tsx test/cdk/bundle-sizes.ts` prints the
 * table; bundles.test.ts checks the numbers.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { deflateRawSync } from 'node:zlib';
import { App } from 'aws-cdk-lib';
import { StepwrightStack } from '../../lib/stepwright-stack';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const cdkJson = require('../../cdk.json') as { context: Record<string, unknown> };

export interface BundleReport {
  /** construct path of the function */
  path: string;
  files: { name: string; bytes: number }[];
  bytes: number;
  /** deflate size of every file: close to the zip CDK uploads */
  zippedBytes: number;
  /** the bundle's JavaScript (index.js), for content checks */
  code: string;
}

export function bundleSizes(): BundleReport[] {
  const outdir = mkdtempSync(path.join(tmpdir(), 'stepwright-bundles-'));
  try {
    const app = new App({ outdir, context: { ...cdkJson.context, 'aws:cdk:enable-path-metadata': true } });
    const stack = new StepwrightStack(app, 'Bundles', { env: { account: '123456789012', region: 'us-east-1' } });
    const assembly = app.synth();
    const template = assembly.getStackByName(stack.stackName).template as { Resources: Record<string, any> };
    const reports: BundleReport[] = [];
    for (const res of Object.values(template.Resources)) {
      if (res.Type !== 'AWS::Lambda::Function') continue;
      const key: string | undefined = res.Properties.Code?.S3Key;
      if (typeof key !== 'string' || !key.endsWith('.zip')) continue;
      const dir = path.join(outdir, `asset.${key.slice(0, -'.zip'.length)}`);
      const files = readdirSync(dir).map((name) => ({ name, bytes: statSync(path.join(dir, name)).size }));
      const zippedBytes = readdirSync(dir).reduce((n, name) => n + deflateRawSync(readFileSync(path.join(dir, name)), { level: 9 }).length + 100, 22);
      const code = files.some((f) => f.name === 'index.js') ? readFileSync(path.join(dir, 'index.js'), 'utf8') : '';
      reports.push({ path: res.Metadata?.['aws:cdk:path'] ?? res.Properties.Description, files, bytes: files.reduce((n, f) => n + f.bytes, 0), zippedBytes, code });
    }
    return reports.sort((a, b) => a.path.localeCompare(b.path));
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

export function formatReport(reports: BundleReport[]): string {
  const kb = (n: number) => `${(n / 1024).toFixed(1)} KiB`;
  const rows = reports.map((r) => `${r.path.padEnd(62)} ${kb(r.bytes).padStart(11)} ${kb(r.zippedBytes).padStart(11)}   ${r.files.map((f) => `${f.name} ${kb(f.bytes)}`).join(', ')}`);
  return [`${'function'.padEnd(62)} ${'unzipped'.padStart(11)} ${'zipped'.padStart(11)}   files`, ...rows].join('\n');
}

if (require.main === module) console.log(formatReport(bundleSizes()));

/**
 * One synth with real bundling (local esbuild, no Docker): prints every Lambda bundle's size and
 * keeps them small (the AWS SDK comes from the Node 22 runtime; local-only code stays out).
 */
import { bundleSizes, formatReport, type BundleReport } from './bundle-sizes';

let reports: BundleReport[];

beforeAll(() => {
  reports = bundleSizes();
  console.log(`Lambda bundles\n${formatReport(reports)}`);
}, 180_000);

const find = (suffix: string) => {
  const r = reports.find((x) => x.path.endsWith(suffix));
  if (!r) throw new Error(`no bundle for ${suffix}: ${reports.map((x) => x.path).join(', ')}`);
  return r;
};

test.each(['Engine/Worker/Resource', 'Engine/Api/Resource', 'Engine/Registration/Resource'])('%s: small, minified, SDK external, no local runtime', (suffix) => {
  const r = find(suffix);
  expect(r.zippedBytes).toBeLessThan(512 * 1024);
  expect(r.files.find((f) => f.name === 'index.js')!.bytes).toBeLessThan(600 * 1024);
  expect(r.code).toMatch(/require\("@aws-sdk\/client-dynamodb"\)/);
  expect(r.code).not.toMatch(/dynalite|leveldown|memdown/);
  expect(r.code.split('\n').length).toBeLessThan(50); // minified
});

test('the example task bundles to a few hundred bytes', () => {
  expect(find('AddTotal/Resource').bytes).toBeLessThan(4 * 1024);
});

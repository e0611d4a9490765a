#!/usr/bin/env node
/**
 * Builds what `npm pack` ships (run by `npm run build:package`, and by npm itself before packing):
 *   dist/lib, dist/lambda, dist/bin   the constructs, the runtime and the CLI as JS + .d.ts (tsc, tsconfig.build.json)
 *   dist/assets/<entry>/index.js      each Lambda handler bundled as `cdk deploy` uploads it
 * The bundles use the esbuild options lib/lambda-functions.ts gives NodejsFunction, so a user's
 * `cdk synth` takes them as they are (Code.fromAsset) and needs neither esbuild nor the sources.
 * Plain JavaScript: it runs before anything is compiled.
 */
const { execFileSync } = require('node:child_process');
const { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } = require('node:fs');
const path = require('node:path');
const esbuild = require('esbuild');

const ROOT = path.resolve(__dirname, '..');
const DIST = path.join(ROOT, 'dist');

/**
 * Every entry point lib/ hands to nodeFunction(). A handler missing here makes the packed library
 * throw at synth ("no prebuilt bundle ... and no source"), which test/package/pack-install.test.ts catches.
 */
const HANDLERS = ['lambda/handlers/api.ts', 'lambda/handlers/worker.ts', 'lambda/handlers/reconciler.ts', 'lambda/handlers/trigger.ts', 'lib/registration/handler.ts'];

function compile() {
  execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', path.join(ROOT, 'tsconfig.build.json')], { cwd: ROOT, stdio: 'inherit' });
}

async function bundle(entry) {
  const outdir = path.join(DIST, 'assets', entry.replace(/\.ts$/, ''));
  await esbuild.build({
    entryPoints: [path.join(ROOT, entry)],
    outfile: path.join(outdir, 'index.js'),
    bundle: true,
    platform: 'node',
    target: 'node22',
    format: 'cjs',
    minify: true,
    sourcemap: true,
    sourcesContent: false,
    // Node 22's Lambda runtime ships the AWS SDK v3 (as bundlingOptions() in lib/lambda-functions.ts)
    external: ['@aws-sdk/*'],
    logLevel: 'warning',
  });
  return outdir;
}

/**
 * dist/package.json: the compiled files are CommonJS whatever a parent folder says, and code that reads
 * `../package.json` from its own folder (bin/cli.ts reads its version so) finds the package's version
 * in dist/bin/ as in the source tree's bin/.
 */
function writeDistPackageJson() {
  const { version } = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
  writeFileSync(path.join(DIST, 'package.json'), JSON.stringify({ private: true, type: 'commonjs', version }, null, 2) + '\n');
}

/** dist/ui: the web console prebuilt (the package has neither ui/'s sources nor esbuild at run time). */
async function buildConsole() {
  const { bundleConsole } = require(path.join(DIST, 'lambda/local/console-assets.js'));
  mkdirSync(path.join(DIST, 'ui'), { recursive: true });
  writeFileSync(path.join(DIST, 'ui/app.js'), await bundleConsole(path.join(ROOT, 'ui')));
  copyFileSync(path.join(ROOT, 'ui/style.css'), path.join(DIST, 'ui/style.css'));
  console.log('bundled dist/ui/app.js');
}

async function main() {
  rmSync(DIST, { recursive: true, force: true });
  compile();
  writeDistPackageJson();
  await buildConsole();
  for (const entry of HANDLERS) console.log(`bundled ${path.relative(ROOT, await bundle(entry))}/index.js`);
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});

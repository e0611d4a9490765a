/**
 * The web console's files, as `stepwright serve` serves them: the page shell at `/`, the script
 * bundled from ui/ by esbuild, and the stylesheet. The bundle is built in memory the first time it is
 * asked for (well under a second) rather than committed or built by an install script: a fresh
 * clone's `npm start` and `npm test` need no build step, and the page can never be stale.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * ui/ beside lambda/: the sources in this repository; in the installed package (dist/lambda/local ->
 * dist/ui) the prebuilt app.js and style.css that scripts/build-package.js writes, since the package
 * has neither the sources nor esbuild (a devDependency).
 */
const UI_DIR = join(__dirname, '../../ui');
const PREBUILT_SCRIPT = join(UI_DIR, 'app.js');

let bundle: Promise<string> | undefined;

/** The console's script: the prebuilt one when the package ships it, else bundled on first request. */
export function consoleScript(): Promise<string> {
  bundle ??= existsSync(PREBUILT_SCRIPT) ? Promise.resolve(readFileSync(PREBUILT_SCRIPT, 'utf8')) : bundleConsole(UI_DIR);
  // a failed build is tried again on the next request (e.g. after fixing a syntax error in ui/)
  bundle.catch(() => (bundle = undefined));
  return bundle;
}

/** Bundles the console from its sources in uiDir (esbuild is loaded only when the console is first opened). */
export async function bundleConsole(uiDir: string): Promise<string> {
  const { build } = await import('esbuild');
  const out = await build({
    entryPoints: [join(uiDir, 'main.ts')],
    bundle: true,
    write: false,
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
    minify: true,
    // the validator imports node:crypto for hashing it never does while validating
    alias: { 'node:crypto': join(uiDir, 'shims/node-crypto.ts') },
    logLevel: 'silent',
  });
  return out.outputFiles[0].text;
}

export function consoleStyles(): string {
  return readFileSync(join(UI_DIR, 'style.css'), 'utf8');
}

/**
 * The page shell. `summary` is HTML the server renders (the state machines, how to call the API): it
 * shows until the script has loaded and stays for a client without JavaScript.
 */
export const consoleHtml = (summary: string) => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Stepwright console</title><link rel="stylesheet" href="/console/style.css"></head>
<body><header><a href="#/">Stepwright</a><nav><a href="#/">State machines</a><a href="#/editor">Editor</a><a href="/metrics">Metrics</a></nav></header>
<main id="app" aria-busy="true">${summary}</main>
<script src="/console/app.js"></script></body></html>
`;

/** Only the server's own files: the console fetches nothing from elsewhere. */
export const CONSOLE_CSP = "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'";

#!/usr/bin/env node
// The `stepwright` CLI. In this repository it runs the TypeScript sources (tsx compiles them on load, no
// build step); the installed package has no sources and runs the compiled CLI in dist/ instead. tsx is
// loaded either way, so `run --tasks` and `serve --tasks` take a user's .ts task module too.
const { existsSync } = require('node:fs');
const path = require('node:path');

require('tsx/cjs');
if (existsSync(path.join(__dirname, 'cli.ts'))) require('./cli.ts');
else require('../dist/bin/cli.js');

#!/usr/bin/env node
// The `stepwright` CLI. The sources are TypeScript; tsx compiles them on load so the CLI needs no build step.
require('tsx/cjs');
require('./cli.ts');

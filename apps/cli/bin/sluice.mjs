#!/usr/bin/env node
// The `sluice` command: runs the TypeScript CLI with tsx (installed with Sluice).
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(import.meta.url);
const tsx = path.join(path.dirname(require.resolve('tsx/package.json')), 'dist', 'loader.mjs');
const main = path.join(import.meta.dirname, '..', 'src', 'main.ts');
const r = spawnSync(process.execPath, ['--import', tsx, main, ...process.argv.slice(2)], { stdio: 'inherit' });
process.exit(r.status ?? 1);

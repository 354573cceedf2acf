import { DEFAULT_SCHEDULER_CONFIG, runCycle } from './src/index';
import { job, node, running, seededRng, snapshot } from './src/testing/builders';
const n1 = node('n1', 1);
const snap = snapshot({ nodes: [n1], running: [running('scav', n1, 1, { account: 'poor', qos: 'scavenger', startedAt: 0 })], pending: [job('batch', { account: 'rich' })], usage: { rich: { u1: 1e9 } } });
const r = runCycle(snap, DEFAULT_SCHEDULER_CONFIG, 6 * 60_000, seededRng(1));
console.log(JSON.stringify(r.plan), r.pending.batch);

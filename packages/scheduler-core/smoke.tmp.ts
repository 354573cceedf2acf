import { runCycle, DEFAULT_SCHEDULER_CONFIG, estimateStarts } from './src/index';
import { node, job, running, snapshot, seededRng } from './src/testing/builders';
const n1 = node('n1'); const n2 = node('n2');
const r = [running('r1', n1, 6, { timeLimitSec: 600 }), running('r2', n2, 4, { timeLimitSec: 1200, account: 'b' })];
const snap = snapshot({ nodes: [n1, n2], running: r, pending: [job('j8', { gpus: 8, account: 'b' }), job('j2', { gpus: 2, timeLimitSec: 300 }), job('j3', { gpus: 3, timeLimitSec: 7200 }), job('j1', { gpus: 1, account: 'c' })] });
const res = runCycle(snap, DEFAULT_SCHEDULER_CONFIG, 60_000, seededRng(1));
console.log(JSON.stringify(res, null, 1).slice(0, 3000));
console.log(estimateStarts(snap, DEFAULT_SCHEDULER_CONFIG, 60_000));

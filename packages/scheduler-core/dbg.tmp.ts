import { DEFAULT_SCHEDULER_CONFIG, estimateStarts } from './src/index';
import { job, node, running, snapshot } from './src/testing/builders';
const n1 = node('n1'); const n2 = node('n2');
const snap = snapshot({ nodes: [n1, n2], running: [running('r1', n1, 4, { timeLimitSec: 600 }), running('r2', n2, 8, { timeLimitSec: 3600, account: 'b' })],
  pending: [job('big', { gpus: 8, basePriority: 1e6, timeLimitSec: 3600 }), job('short', { gpus: 1, timeLimitSec: 300, account: 'c' }), job('long', { gpus: 1, timeLimitSec: 7200, account: 'd' })] });
console.log(estimateStarts(snap, DEFAULT_SCHEDULER_CONFIG, 0));

// Launch latency: from the `launch` message reaching the executor to the user's process running
// (the wall-clock time its shell reads first thing, bash's $EPOCHREALTIME), through the whole path
// (account lookup, job dir, cgroup, setpriv). The account's shell must be bash.
// Run as root to measure the real thing: node --import tsx apps/node-agent/bench/launch-latency.ts [user] [runs]
import os from 'node:os';
import { startExecutor } from '../test/executor-harness';

const user = process.argv[2] ?? os.userInfo().username;
const runs = Number(process.argv[3] ?? 20);
const h = await startExecutor();
const times: number[] = [];
for (let i = 0; i < runs; i++) {
  const spec = h.spec({ user, command: 'echo "at=$EPOCHREALTIME"' });
  const t0 = Date.now();
  await h.executor.launch(spec);
  await h.exited(spec.jobId);
  const at = Number(/at=([\d.]+)/.exec(h.output(spec.jobId))?.[1]) * 1000;
  if (!Number.isFinite(at)) throw new Error(`no time from the job: ${h.output(spec.jobId)}`);
  times.push(at - t0);
}
times.sort((a, b) => a - b);
const pct = (p: number) => times[Math.min(times.length - 1, Math.floor(p * times.length))]?.toFixed(1);
console.log(`launch -> user process running, ${runs} runs as ${user} (cgroups ${h.cgroups.enabled ? h.cgroups.layout?.kind : 'off'}): median ${pct(0.5)} ms, p90 ${pct(0.9)} ms, min ${times[0]?.toFixed(1)} ms`);
await h.cleanup();

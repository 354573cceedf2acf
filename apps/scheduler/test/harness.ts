import type { NodeInventory, SchedulerMessageBody } from '@sluice/contracts';
import type { Db, Prisma } from '@sluice/db';
import { pino } from 'pino';
import { SchedulerDaemon } from '../src/daemon';
import { registerNode, touchNode } from '../src/nodes';
import { WorkerRanks } from '../src/ranks';
import { FakeClock } from './fake-clock';

/** Records what the daemon sends to agents, as if every node were connected. */
export class RecordingSender {
  sent: { node: string; body: SchedulerMessageBody }[] = [];
  connected = new Set<string>();
  send(node: string, body: SchedulerMessageBody): boolean {
    if (!this.connected.has(node)) return false;
    this.sent.push({ node, body });
    return true;
  }
  take(): { node: string; body: SchedulerMessageBody }[] {
    return this.sent.splice(0);
  }
}

export const inventory = (name: string, gpus: number): NodeInventory => ({
  name,
  hostname: name,
  cpus: 8,
  memoryMiB: 65536,
  gpuSource: 'simulated',
  gpus: Array.from({ length: gpus }, (_, i) => ({ index: i, uuid: `GPU-${name}-${i}`, model: 'H100-80GB', memoryMiB: 81920 })),
});

export async function setup(db: Db, nodes: Record<string, number>) {
  const clock = new FakeClock();
  const sender = new RecordingSender();
  for (const [name, gpus] of Object.entries(nodes)) {
    await registerNode(db, inventory(name, gpus), [], new Date(clock.now()));
    sender.connected.add(name);
  }
  const log = pino({ level: 'silent' });
  /** What was written to each job's log. */
  const jobLogs = new Map<number, string>();
  const jobLog = async (jobId: number, text: string) => void jobLogs.set(jobId, (jobLogs.get(jobId) ?? '') + text);
  // Jitter fixed at its middle: back-offs are exactly 1 s, 2 s, 4 s...
  const ranks = new WorkerRanks({ db, log, clock, send: (node, body) => sender.send(node, body), jobLog, stopGraceSec: 5, random: () => 0.5 });
  const daemon = new SchedulerDaemon({ db, log, clock, gateway: sender, cycleMs: 1000, nodeTimeoutMs: 60_000, stopGraceSec: 5, ranks });
  const user = await db.user.create({ data: { username: `u${Math.random().toString(36).slice(2, 8)}`, passwordHash: 'x' } });
  const submit = (gpus: number, extra: Partial<Pick<Prisma.JobUncheckedCreateInput, 'timeLimitMinutes' | 'basePriority' | 'requeue' | 'account' | 'qos' | 'userId' | 'image'>> = {}) =>
    db.job.create({ data: { userId: user.id, name: 'j', command: 'true', gpus, timeLimitMinutes: 10, submittedAt: new Date(clock.now()), ...extra } });
  /** Time passes while every node keeps heart-beating. */
  const advance = async (ms: number) => {
    clock.advance(ms);
    for (const name of Object.keys(nodes)) await touchNode(db, name, new Date(clock.now()));
  };
  return { clock, sender, daemon, ranks, jobLogs, user, submit, advance };
}

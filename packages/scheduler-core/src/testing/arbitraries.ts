/**
 * fast-check arbitraries for property tests: small random clusters (pools,
 * NVLink domains, down nodes), running jobs placed on free GPUs, pending jobs
 * of every form (fraction, single node, gang), accounts with shares, quotas
 * and usage. Test-only (fast-check is a dev dependency).
 */
import fc from 'fast-check';
import type { AccountSpec, ClusterSnapshot, NodeSnapshot, PendingJob, RunningJob } from '../types';
import { node } from './builders';

const ACCOUNTS = ['a', 'b', 'c', 'd'] as const;
const QOS = ['batch', 'batch', 'batch', 'scavenger', 'interactive'] as const;
const MIN = 60_000;

export interface World {
  snapshot: ClusterSnapshot;
  now: number;
}

export const worldArb: fc.Arbitrary<World> = fc
  .record({
    nodes: fc.array(
      fc.record({
        gpus: fc.constantFrom(2, 4, 8),
        cpus: fc.constantFrom(0, 8, 32),
        up: fc.integer({ min: 0, max: 9 }).map((x) => x > 0),
        pool: fc.constantFrom('p1', 'p1', 'p2'),
        domain: fc.constantFrom(0, 0, 2, 4),
      }),
      { minLength: 1, maxLength: 5 },
    ),
    running: fc.array(
      fc.record({
        node: fc.nat(),
        gpus: fc.constantFrom(1, 1, 2, 4, 8),
        account: fc.constantFrom(...ACCOUNTS),
        user: fc.constantFrom('u1', 'u2'),
        agoMin: fc.integer({ min: 0, max: 600 }),
        limitMin: fc.integer({ min: 1, max: 2000 }),
        qos: fc.constantFrom(...QOS),
        preemptCount: fc.constantFrom(0, 0, 0, 1),
        stopping: fc.integer({ min: 0, max: 19 }).map((x) => x === 0),
        checkpointable: fc.boolean(),
        cpus: fc.constantFrom(1, 4, 16),
      }),
      { maxLength: 12 },
    ),
    pending: fc.array(
      fc.record({
        gpus: fc.constantFrom(0, 0.25, 0.5, 1, 1, 2, 3, 4, 8, 12, 16),
        cpus: fc.constantFrom(1, 4, 16),
        account: fc.constantFrom(...ACCOUNTS),
        user: fc.constantFrom('u1', 'u2', 'u3'),
        agoMin: fc.integer({ min: 0, max: 600 }),
        limitMin: fc.integer({ min: 1, max: 2000 }),
        qos: fc.constantFrom(...QOS),
        pool: fc.constantFrom(undefined, undefined, 'p1', 'p2'),
        preemptCount: fc.constantFrom(0, 0, 1),
        base: fc.constantFrom(0, 0, 100),
      }),
      { maxLength: 14 },
    ),
    accounts: fc.array(
      fc.record({
        shares: fc.integer({ min: 0, max: 4 }),
        guaranteed: fc.option(fc.integer({ min: 0, max: 8 })),
        max: fc.option(fc.integer({ min: 0, max: 16 })),
        usage: fc.integer({ min: 0, max: 100_000 }),
      }),
      { minLength: ACCOUNTS.length, maxLength: ACCOUNTS.length },
    ),
    nowMin: fc.integer({ min: 600, max: 3000 }),
  })
  .map(({ nodes: ns, running: rs, pending: ps, accounts: as, nowMin }) => {
    const now = nowMin * MIN;
    const nodes: NodeSnapshot[] = ns.map((n, i) =>
      ({ ...node(`n${i}`, n.gpus, { pool: n.pool, schedulable: n.up, ...(n.domain > 0 && n.domain < n.gpus ? { nvlinkDomainSize: n.domain } : {}) }), cpus: n.cpus }),
    );
    const running: RunningJob[] = [];
    rs.forEach((r, i) => {
      const host = nodes[r.node % nodes.length] as NodeSnapshot;
      const free = host.gpus.filter((g) => g.jobId === null);
      if (free.length < r.gpus) return;
      const id = `r${i}`;
      const taken = free.slice(0, r.gpus);
      for (const g of taken) g.jobId = id;
      running.push({
        id,
        user: r.user,
        account: r.account,
        node: host.name,
        gpuUuids: taken.map((g) => g.uuid),
        startedAt: now - r.agoMin * MIN,
        timeLimitSec: r.limitMin * 60,
        qos: r.qos,
        preemptCount: r.preemptCount,
        stopping: r.stopping,
        checkpointable: r.checkpointable,
        cpus: r.cpus,
      });
    });
    const pending: PendingJob[] = ps.map((p, i) => ({
      id: `p${i}`,
      user: p.user,
      account: p.account,
      gpus: p.gpus,
      submittedAt: now - p.agoMin * MIN,
      timeLimitSec: p.qos === 'interactive' ? Math.min(p.limitMin, 600) * 60 : p.limitMin * 60,
      basePriority: p.base,
      qos: p.qos,
      preemptCount: p.preemptCount,
      cpus: p.cpus,
      ...(p.pool ? { pool: p.pool } : {}),
    }));
    const accounts: AccountSpec[] = ACCOUNTS.map((name, i) => {
      const a = as[i] as (typeof as)[number];
      const quota = { ...(a.guaranteed !== null ? { guaranteedGpus: a.guaranteed } : {}), ...(a.max !== null ? { maxGpus: a.max } : {}) };
      return { name, shares: a.shares, ...(Object.keys(quota).length ? { quotas: [quota] } : {}) };
    });
    const usage = Object.fromEntries(ACCOUNTS.map((name, i) => [name, { u1: (as[i] as (typeof as)[number]).usage }]));
    return { now, snapshot: { nodes, running, pending, accounts, usage } };
  });

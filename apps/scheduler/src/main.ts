import { createServer } from 'node:http';
import { closeDb, openDb } from '@sluice/db';
import { pino } from 'pino';
import { systemClock } from './clock';
import { loadConfig } from './config';
import { PORTAL_GATHER_MS, SchedulerDaemon } from './daemon';
import { AgentGateway } from './gateway';
import { internalHandler } from './internal-api';
import { appendLog } from './job-lifecycle';
import { loadPolicyFile } from './policy';
import { WorkerRanks } from './ranks';

/** Scheduler daemon: agent gateway + scheduling loop + internal API for the portal. */
async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const log = pino({ level: config.logLevel, base: { app: 'scheduler' } });
  const db = await openDb(config.databaseUrl);
  const server = createServer();
  let daemon: SchedulerDaemon | null = null;
  const ranks: WorkerRanks = new WorkerRanks({
    db,
    log,
    clock: systemClock,
    send: (node, body): boolean => gateway.send(node, body),
    jobLog: (jobId, text) => appendLog(config.dataDir, String(jobId), text),
    stopGraceSec: config.stopGraceSec,
  });
  const gateway: AgentGateway = new AgentGateway({
    db,
    log,
    clock: systemClock,
    dataDir: config.dataDir,
    agentSecret: config.agentSecret,
    heartbeatSec: config.heartbeatSec,
    poke: () => daemon?.poke(),
    relaunch: async (node, ids) => daemon?.relaunch(node, ids),
    ranks,
  });
  daemon = new SchedulerDaemon({
    db,
    log,
    clock: systemClock,
    gateway,
    cycleMs: config.cycleMs,
    nodeTimeoutMs: config.nodeTimeoutMs,
    stopGraceSec: config.stopGraceSec,
    policy: loadPolicyFile(config.policyFile),
    idleWarnMs: config.idleWarnMs,
    ranks,
  });
  const d = daemon;
  server.on('request', internalHandler({ secret: config.internalSecret, poke: () => d.poke(PORTAL_GATHER_MS), db, now: () => new Date(systemClock.now()) }));
  gateway.attach(server);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, resolve);
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  d.start();
  log.info({ host: config.host, port }, 'scheduler listening');
  process.send?.({ type: 'ready', port });

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'scheduler stopping');
    const backstop = setTimeout(() => process.exit(1), 5000);
    backstop.unref();
    d.stop();
    gateway.close();
    server.close();
    // The last cycle's explanations are written before the database closes (the backstop bounds it).
    void d
      .published()
      .then(() => closeDb(db))
      .finally(() => process.exit(0));
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('disconnect', () => shutdown('parent gone'));
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});

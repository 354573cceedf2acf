import { mkdir } from 'node:fs/promises';
import { pino } from 'pino';
import { ActivityMonitor } from './activity';
import { loadConfig } from './config';
import { agentAuth } from './credentials';
import { Executor } from './executor';
import { detectGpuProvider } from './gpu/detect';
import { gpuReporter } from './gpu-monitor';
import { collectHardware, HardwareWatch } from './hardware';
import { readInventory } from './inventory';
import { SchedulerLink } from './link';
import { Outbox } from './outbox';

/** Node agent: GPU inventory, executor and the link to the scheduler. */
async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const log = pino({ level: config.logLevel, base: { app: 'node-agent', node: config.nodeName } });
  await mkdir(config.stateDir, { recursive: true });
  const gpu = await detectGpuProvider({ nodeName: config.nodeName, simSpec: config.simGpus, stateDir: config.stateDir, kernelLog: config.kernelLog });
  log.info(gpu.description);
  const outbox = new Outbox();
  const activity = new ActivityMonitor();
  activity.start(10_000);
  const hardware = new HardwareWatch(async () => collectHardware({ root: config.hardwareRoot, gpus: await gpu.provider.hardware() }));
  const hardwareCheck = setInterval(() => {
    hardware.check().then(
      (changed) => {
        if (!changed) return;
        log.info('hardware changed; reporting it');
        outbox.send({ type: 'hardware', hardware: changed });
      },
      (err: unknown) => log.error({ err: err instanceof Error ? err.message : String(err) }, 'hardware check failed'),
    );
  }, config.hardwareCheckSec * 1000);
  const executor = new Executor({
    send: (m) => outbox.send(m),
    log,
    stateDir: config.stateDir,
    pythonEnv: config.pythonEnv,
    sessionHost: config.sessionHost,
    path: config.path,
    sessions: activity,
  });
  const link = new SchedulerLink({
    url: config.schedulerUrl,
    auth: await agentAuth(config),
    log,
    outbox,
    executor,
    inventory: () => readInventory(config.nodeName, gpu.provider),
    activity: () => activity.lastActive(),
    hardware: () =>
      hardware.current().catch((err: unknown) => {
        log.error({ err: err instanceof Error ? err.message : String(err) }, 'hardware inventory failed; joining without it');
        return undefined;
      }),
    gpuReport: gpuReporter(gpu.provider, log),
  });
  link.start();

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal, running: executor.running().length }, 'agent stopping');
    const backstop = setTimeout(() => process.exit(1), 15_000);
    backstop.unref();
    clearInterval(hardwareCheck);
    if (config.stopWorkloadsOnExit) await executor.stopAll(5);
    link.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('disconnect', () => void shutdown('parent gone'));
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});

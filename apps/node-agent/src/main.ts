import { mkdir } from 'node:fs/promises';
import { pino } from 'pino';
import { ActivityMonitor } from './activity';
import { CgroupManager } from './cgroup/manager';
import { loadConfig } from './config';
import { CDI_DIRS } from './container/cdi';
import { findPodman } from './container/podman';
import { ContainerRuntime } from './container/runtime';
import { agentAuth } from './credentials';
import { Executor } from './executor';
import { detectGpuProvider } from './gpu/detect';
import { gpuReporter } from './gpu-monitor';
import { collectHardware, HardwareWatch } from './hardware';
import { readInventory } from './inventory';
import { untraversableAncestor } from './job-dir';
import { findSetpriv } from './launch-command';
import { supervisorProgram } from './supervisor-program';
import { SchedulerLink } from './link';
import { Outbox } from './outbox';

/** Node agent: GPU inventory, executor and the link to the scheduler. */
async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const log = pino({ level: config.logLevel, base: { app: 'node-agent', node: config.nodeName } });
  await mkdir(config.stateDir, { recursive: true });
  const gpu = await detectGpuProvider({ nodeName: config.nodeName, simSpec: config.simGpus, stateDir: config.stateDir, kernelLog: config.kernelLog });
  log.info(gpu.description);
  const agentUid = process.getuid?.() ?? 0;
  try {
    log.info(`job supervisor: ${supervisorProgram()}`);
  } catch (err) {
    log.error(`${(err as Error).message}: every job will fail to start`);
  }
  const setpriv = findSetpriv();
  if (agentUid === 0 && !setpriv) log.warn('setpriv (util-linux) is not installed: every job will fail to start, as the agent cannot switch to its user');
  if (agentUid !== 0) log.warn('the node agent is not root: it runs every workload as its own user and refuses jobs of other users');
  const closed = agentUid === 0 ? untraversableAncestor(config.stateDir) : null;
  if (closed) log.warn(`${closed} is not traversable by other users (chmod o+x it): jobs cannot reach their directories under ${config.stateDir}`);
  const cgroups = new CgroupManager({ mountRoot: config.cgroupRoot, parentName: config.cgroupParent, nodeName: config.nodeName });
  await cgroups.init(log);
  const containers = new ContainerRuntime(
    { ...config.containers, podman: config.containers.podman ?? findPodman(), cdiDirs: CDI_DIRS, stateDir: config.stateDir, cgroupRoot: config.cgroupRoot, rootless: agentUid !== 0 },
    { simulated: gpu.provider.source === 'simulated', list: () => gpu.provider.list() },
  );
  const runtime = await containers.probe();
  log.info(runtime ? `containers: podman ${runtime.version}, CDI devices for NVIDIA GPUs: ${runtime.cdiGpuDevices.join(' ') || 'none'}` : 'containers: podman is not installed; jobs that name an image are refused here');
  const outbox = new Outbox();
  const activity = new ActivityMonitor();
  activity.start(10_000);
  const hardware = new HardwareWatch(async () => collectHardware({ root: config.hardwareRoot, gpus: await gpu.provider.hardware(), containers: await containers.probe() }));
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
    nodeName: config.nodeName,
    send: (m) => outbox.send(m),
    linkUp: () => outbox.flowing(),
    log,
    stateDir: config.stateDir,
    pythonEnv: config.pythonEnv,
    sessionHost: config.sessionHost,
    sessions: activity,
    path: config.path,
    accounts: { minUid: config.minUid, agentUid },
    cgroups,
    defaultLimits: config.defaultLimits,
    setpriv,
    containers,
  });
  // Workloads an earlier agent started run on (each under its supervisor): carry on with them.
  executor.reattach();
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

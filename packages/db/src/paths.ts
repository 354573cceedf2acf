import path from 'node:path';

/** Where everything of one installation lives, under SLUICE_DATA_DIR. */
export const dataPaths = (dataDir: string) => {
  const root = path.resolve(dataDir);
  return {
    root,
    database: path.join(root, 'sluice.db'),
    logs: path.join(root, 'logs'),
    secrets: path.join(root, 'secrets.json'),
    run: path.join(root, 'run'),
    nodes: path.join(root, 'nodes'),
  };
};

/** A job's combined stdout/stderr, written by the scheduler as agents stream it. */
export const jobLogPath = (dataDir: string, jobId: string | number): string =>
  path.join(dataPaths(dataDir).logs, `job-${String(jobId)}.log`);

import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Where podman is looked for: fixed system paths, never a PATH a job could influence. */
export const PODMAN_PATHS = ['/usr/bin/podman', '/usr/local/bin/podman'];

export function findPodman(candidates: readonly string[] = PODMAN_PATHS): string | null {
  return candidates.find((p) => existsSync(p)) ?? null;
}

/** "podman version 4.3.1" → "4.3.1". */
export function parsePodmanVersion(text: string): string | null {
  return /podman version (\S+)/.exec(text)?.[1] ?? null;
}

/**
 * One podman on this node, called with the same global options every time (the OCI runtime
 * named in SLUICE_CONTAINER_RUNTIME, if any) and with the agent's own fixed environment, so
 * nothing of a job reaches podman itself.
 */
export class Podman {
  constructor(
    readonly path: string,
    readonly globalArgs: readonly string[],
    readonly env: Readonly<Record<string, string>>,
  ) {}

  private exec(args: string[], timeout = 30_000) {
    return run(this.path, [...this.globalArgs, ...args], { env: this.env as NodeJS.ProcessEnv, timeout });
  }

  async version(): Promise<string | null> {
    try {
      return parsePodmanVersion((await this.exec(['--version'], 10_000)).stdout);
    } catch {
      return null;
    }
  }

  /** Whether the local image store holds `ref` (`podman image exists`: exit 0 yes, 1 no). */
  async imageExists(ref: string): Promise<boolean> {
    try {
      await this.exec(['image', 'exists', '--', ref]);
      return true;
    } catch (err) {
      if ((err as { code?: unknown }).code === 1) return false;
      throw err;
    }
  }

  /** Sends a signal to the container's main process (used where the container has no job cgroup to signal). */
  async kill(name: string, signal: 'SIGTERM' | 'SIGKILL'): Promise<void> {
    await this.exec(['kill', '--signal', signal, '--', name]).catch(() => {});
  }

  /** Removes the container if it is still there (its processes are gone by then); no error when it is not. */
  async remove(name: string): Promise<void> {
    await this.exec(['rm', '--force', '--ignore', '--', name]);
  }
}

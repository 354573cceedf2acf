import { readFileSync } from 'node:fs';

/**
 * A process as it was when recorded: its pid and when it started (clock ticks after boot, field 22
 * of /proc/<pid>/stat), so a pid the kernel has since given to another process is not taken for it.
 */
export interface ProcessIdentity {
  pid: number;
  startTime: number;
}

/** State letter and start time of a process, or null when there is none with this pid. */
export function procStat(pid: number): { state: string; startTime: number } | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // "pid (comm) state ppid ...": comm may hold spaces and parentheses; fields after the last ')' are plain.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const startTime = Number(fields[19]);
    return fields[0] && Number.isInteger(startTime) ? { state: fields[0], startTime } : null;
  } catch {
    return null;
  }
}

/** Whether the recorded process still runs (a zombie has ended: it only waits to be reaped). */
export function isRunning(p: ProcessIdentity): boolean {
  const s = procStat(p.pid);
  return s !== null && s.state !== 'Z' && s.startTime === p.startTime;
}

import type { SysRoot } from './sysfs';

/** /etc/os-release (or /usr/lib/os-release): KEY=value lines, values optionally quoted. */
export async function readOsRelease(sys: SysRoot): Promise<{ id: string; name: string; version: string; prettyName: string }> {
  const text = (await sys.text('etc/os-release')) ?? (await sys.text('usr/lib/os-release')) ?? '';
  const vars = new Map<string, string>();
  for (const line of text.split('\n')) {
    const m = /^([A-Z_]+)=(.*)$/.exec(line.trim());
    if (m?.[1]) vars.set(m[1], (m[2] ?? '').replace(/^(["'])(.*)\1$/, '$2'));
  }
  const name = vars.get('NAME') ?? 'Linux';
  const version = vars.get('VERSION_ID') ?? '';
  return { id: vars.get('ID') ?? 'linux', name, version, prettyName: vars.get('PRETTY_NAME') ?? `${name} ${version}`.trim() };
}

/** The running kernel's release, as `uname -r` prints it. */
export async function readKernelRelease(sys: SysRoot): Promise<string> {
  return (await sys.line('proc/sys/kernel/osrelease')) ?? 'unknown';
}

import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { z } from 'zod';

const Secrets = z.object({ agentSecret: z.string().min(32), internalSecret: z.string().min(32) });
export type Secrets = z.infer<typeof Secrets>;

/** Secrets shared by this installation's processes, made once and kept (mode 0600) in the data dir. */
export function loadOrCreateSecrets(file: string): Secrets {
  if (existsSync(file)) {
    const parsed = Secrets.safeParse(JSON.parse(readFileSync(file, 'utf8')));
    if (parsed.success) return parsed.data;
  }
  const secrets = { agentSecret: randomBytes(32).toString('hex'), internalSecret: randomBytes(32).toString('hex') };
  writeFileSync(file, `${JSON.stringify(secrets, null, 2)}\n`, { mode: 0o600 });
  return secrets;
}

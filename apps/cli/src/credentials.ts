import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';

const Saved = z.object({ url: z.string(), token: z.string() });
export type Credentials = z.infer<typeof Saved>;

const file = () => path.join(process.env.XDG_CONFIG_HOME ?? path.join(os.homedir(), '.config'), 'sluice', 'credentials.json');

/** SLUICE_URL + SLUICE_TOKEN win; otherwise what `sluice login` saved. */
export function loadCredentials(): Credentials | null {
  const { SLUICE_URL, SLUICE_TOKEN } = process.env;
  if (SLUICE_URL && SLUICE_TOKEN) return { url: SLUICE_URL, token: SLUICE_TOKEN };
  if (!existsSync(file())) return null;
  const parsed = Saved.safeParse(JSON.parse(readFileSync(file(), 'utf8')));
  return parsed.success ? parsed.data : null;
}

export function saveCredentials(c: Credentials): string {
  mkdirSync(path.dirname(file()), { recursive: true, mode: 0o700 });
  writeFileSync(file(), `${JSON.stringify(c, null, 2)}\n`, { mode: 0o600 });
  return file();
}

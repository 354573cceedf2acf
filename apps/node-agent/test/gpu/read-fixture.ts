import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Absolute path of a file in test/fixtures/nvidia-smi. */
export function fixturePath(name: string): string {
  return fileURLToPath(new URL(`../fixtures/nvidia-smi/${name}`, import.meta.url));
}

export function readFixture(name: string): string {
  return readFileSync(fixturePath(name), 'utf8');
}

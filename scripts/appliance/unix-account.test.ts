import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeTraversable } from './unix-account';

const asRoot = process.getuid?.() === 0;

describe('makeTraversable', () => {
  it.skipIf(!asRoot)('adds only the search bit to the directories others cannot traverse, and says which', () => {
    const top = mkdtempSync(path.join(tmpdir(), 'sluice-trav-'));
    try {
      const inner = path.join(top, 'checkout', '.runtime', 'python', 'bin');
      mkdirSync(inner, { recursive: true });
      chmodSync(top, 0o700);
      chmodSync(path.join(top, 'checkout'), 0o750);
      const said: string[] = [];
      makeTraversable([inner], (m) => said.push(m));
      expect(statSync(top).mode & 0o777).toBe(0o701);
      expect(statSync(path.join(top, 'checkout')).mode & 0o777).toBe(0o751);
      expect(statSync(inner).mode & 0o777).toBe(0o755);
      expect(said).toHaveLength(1);
      expect(said[0]).toContain(`${top}, ${path.join(top, 'checkout')} traversable`);
      said.length = 0;
      makeTraversable([inner], (m) => said.push(m));
      expect(said).toEqual([]);
    } finally {
      rmSync(top, { recursive: true, force: true });
    }
  });
});

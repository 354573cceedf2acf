import { describe, expect, it } from 'vitest';
import { loadApplianceConfig, localNodeNames } from './config';

describe('appliance configuration', () => {
  it('runs one agent named local by default', () => {
    expect(loadApplianceConfig({}).nodeNames).toEqual(['local']);
    expect(loadApplianceConfig({ SLUICE_NODE_NAME: 'gpu01' }).nodeNames).toEqual(['gpu01']);
  });

  it('numbers several agents from SLUICE_AGENTS', () => {
    expect(loadApplianceConfig({ SLUICE_AGENTS: '4' }).nodeNames).toEqual(['node1', 'node2', 'node3', 'node4']);
    expect(localNodeNames(2, 'rack-a')).toEqual(['rack-a1', 'rack-a2']);
  });

  it.each(['0', '65', '1.5', 'many'])('rejects SLUICE_AGENTS=%s', (n) => {
    expect(() => loadApplianceConfig({ SLUICE_AGENTS: n })).toThrow(/invalid configuration: SLUICE_AGENTS/);
  });
});

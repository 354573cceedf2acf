import type { NodeHardware } from '@sluice/contracts';

/**
 * The node's hardware as last collected, and whether it changed since: the agent sends it in
 * the hello and again (a `hardware` message) only when a re-check finds a difference.
 */
export class HardwareWatch {
  private last: NodeHardware | null = null;
  private lastJson = '';

  constructor(private readonly collect: () => Promise<NodeHardware>) {}

  /** The last inventory, collected now if there is none yet. */
  async current(): Promise<NodeHardware> {
    if (!this.last) await this.check();
    return this.last as NodeHardware;
  }

  /** Collects again; the new inventory when it differs from the last one, else null. */
  async check(): Promise<NodeHardware | null> {
    const hw = await this.collect();
    const json = JSON.stringify(hw);
    if (json === this.lastJson) return null;
    const first = this.last === null;
    this.last = hw;
    this.lastJson = json;
    return first ? null : hw;
  }
}

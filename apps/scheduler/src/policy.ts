import { readFileSync } from 'node:fs';
import { DEFAULT_SCHEDULER_CONFIG, type DeepPartial, mergeConfig, type QosSpec, type SchedulerConfig } from '@sluice/scheduler-core';

/**
 * The scheduling policy: the core's defaults, then a site's overrides from a JSON file
 * (SLUICE_SCHEDULER_POLICY, e.g. `{ "fairshare": { "halfLifeSec": 86400 } }`).
 * QOS classes are not in the file: admins manage them in the database.
 */
export function loadPolicyFile(file: string | undefined): SchedulerConfig {
  if (!file) return DEFAULT_SCHEDULER_CONFIG;
  let over: unknown;
  try {
    over = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`SLUICE_SCHEDULER_POLICY ${file}: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (over === null || typeof over !== 'object' || Array.isArray(over)) throw new Error(`SLUICE_SCHEDULER_POLICY ${file}: expected a JSON object`);
  return mergeConfig(over as DeepPartial<SchedulerConfig>);
}

/** A QOS class as the database has it (booleans as SQLite stores them: 0 or 1). */
export interface QosRow {
  name: string;
  priority: number;
  preemptible: number;
  canPreempt: string;
  maxWallMinutes: number | null;
  maxGpusPerUser: number | null;
  maxGpusPerAccount: number | null;
}

/** The policy with the QOS classes as the database has them now. */
export function withQos(base: SchedulerConfig, rows: readonly QosRow[]): SchedulerConfig {
  if (rows.length === 0) return base;
  const qos: Record<string, QosSpec> = {};
  for (const r of rows)
    qos[r.name] = {
      priority: r.priority,
      preemptible: r.preemptible === 1,
      canPreempt: r.canPreempt.split(',').filter(Boolean),
      maxWallSec: r.maxWallMinutes === null ? null : r.maxWallMinutes * 60,
      maxGpusPerUser: r.maxGpusPerUser,
      maxGpusPerAccount: r.maxGpusPerAccount,
    };
  return { ...base, qos, defaultQos: qos[base.defaultQos] ? base.defaultQos : (rows[0]?.name ?? base.defaultQos) };
}

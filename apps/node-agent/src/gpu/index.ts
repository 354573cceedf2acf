export { DEFAULT_SIM_SPEC, type DetectedGpuProvider, type DetectGpuProviderOptions, detectGpuProvider } from './detect';
export {
  COMPUTE_APPS_FIELDS,
  type ComputeApp,
  GPU_METRICS_FIELDS,
  GPU_QUERY_FIELDS,
  type GpuLink,
  type GpuMetrics,
  type GpuTopology,
  NvidiaSmiParseError,
  nvlinkCount,
  parseComputeApps,
  parseGpuMetrics,
  parseGpuQuery,
  parseTopology,
  type TopologyAffinity,
} from './nvidia-smi-parse';
export { findNvidiaSmi, NVIDIA_SMI_TIMEOUT_MS, NvidiaSmiProvider, runNvidiaSmi } from './nvidia-smi-provider';
export {
  DEFAULT_SIM_GPU_MEMORY_MIB,
  MAX_SIM_GPUS_PER_NODE,
  parseSimGpuSpec,
  type SimGpuGroup,
  SimulatedGpuProvider,
  simulatedGpuUuid,
} from './simulated-provider';
export type { GpuInventoryProvider } from './types';

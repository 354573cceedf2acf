export { DEFAULT_SIM_SPEC, type DetectedGpuProvider, type DetectGpuProviderOptions, detectGpuProvider } from './detect';
export { gpuProblems, type HealthInput } from './health';
export {
  type DriverVersions,
  GPU_INVENTORY_FIELDS,
  type GpuInventoryRow,
  type LostGpuLine,
  nvlinkDomains,
  parseDriverVersions,
  parseGpuInventory,
  pciKey,
  splitLostGpus,
} from './nvidia-smi-inventory';
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
  MAX_SIM_GPUS_PER_NODE,parseSimFaults, 
  parseSimGpuSpec,SIM_FAULTS_FILE, SIM_KERNEL_LOG_FILE, type SimFault, 
  type SimGpuGroup,
  SimulatedGpuProvider,
  simulatedGpuUuid,simulatedPciBusId 
} from './simulated-provider';
export type { GpuHardwareReport, GpuInventoryProvider, GpuSampling } from './types';
export { KernelLogXidWatcher, parseXidEvents, parseXidLine, type XidEvent } from './xid';

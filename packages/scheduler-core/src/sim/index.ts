export { etaCsv, resultsCsv, segmentsCsv } from './csv';
export type { EtaSample, SimJobResult, SimOptions, SimPreemption, SimResult, SimSegment } from './engine';
export { simulate } from './engine';
export type { EtaMetrics } from './eta-metrics';
export { computeEtaMetrics } from './eta-metrics';
export type { Metrics, ResultRow } from './metrics';
export { computeMetrics } from './metrics';
export type { TraceJob } from './trace';
export { parseTrace } from './trace';

export { simulate } from './engine';
export type { SimJobResult, SimOptions, SimPreemption, SimResult, SimSegment } from './engine';
export { computeMetrics } from './metrics';
export type { Metrics, ResultRow } from './metrics';
export { parseTrace } from './trace';
export type { TraceJob } from './trace';
export { resultsCsv, segmentsCsv } from './csv';

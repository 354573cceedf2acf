export { resultsCsv, segmentsCsv } from './csv';
export type { SimJobResult, SimOptions, SimPreemption, SimResult, SimSegment } from './engine';
export { simulate } from './engine';
export type { Metrics, ResultRow } from './metrics';
export { computeMetrics } from './metrics';
export type { TraceJob } from './trace';
export { parseTrace } from './trace';

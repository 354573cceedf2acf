export * from './admin';
export * from './agent-protocol';
export * from './api';
export * from './format';
export * from './job';
export * from './limits';
export * from './node-hardware';

export * from './admin';
export * from './agent-protocol';
export * from './api';
export * from './container-image';
export * from './format';
export * from './job';
export * from './limits';
export * from './node-hardware';

export * from './admin';
export * from './agent-protocol';
export * from './api';
export * from './job';
export * from './limits';

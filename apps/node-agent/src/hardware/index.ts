export { type CollectOptions, collectHardware } from './collect';
export { HardwareWatch } from './watch';

export * from './playground-options.js';
export * from './playground-session.js';
export * from './playground-state.js';
export { startPlayground, type RunningPlayground } from './start-playground.js';

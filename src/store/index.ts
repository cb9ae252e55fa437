export * from './redis-keys.js';
export * from './redis-audit-log.js';
export * from './redis-evolution-store.js';
export * from './redis-pipeline-registry.js';
export * from './system-clock.js';
export * from './create-redis-stores.js';

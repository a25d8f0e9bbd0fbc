export * from './cassandra.js';
export * from './columns.js';
export * from './events.js';
export * from './lake.js';
export * from './rejection.js';
export * from './rows.js';
export * from './symbol.js';
export * from './time.js';

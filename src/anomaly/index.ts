// Anomaly checks' math: signals from points, baselines, detectors. Pure functions; the engine loads
// the points and passes the time.
export * from './signal.js';
export * from './stats.js';
export * from './baseline.js';
export * from './defaults.js';
export * from './detectors/index.js';

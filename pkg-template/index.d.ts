export * from './autopilot_export.js';

#!/usr/bin/env node
// Command-line tool: see README.md (in progress).
console.error("autopilot-export: the command-line tool is not built yet");
process.exit(2);

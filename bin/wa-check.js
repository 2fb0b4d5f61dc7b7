#!/usr/bin/env node
// The published entry point: the CLI is compiled to dist/ by `npm run build` (run by `prepare`).
import '../dist/cli/run.js';

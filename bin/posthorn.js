#!/usr/bin/env node
// The CLI entry: runs the compiled TypeScript (built by `npm install` through the prepare script).
import { run } from '../dist/main.js';

process.exitCode = await run(process.argv);

#!/usr/bin/env node
/** The `mcp-middleware` executable: runs the command, then exits with its code once output is flushed. */
import { runCli } from './cli.js';

const code = await runCli(process.argv.slice(2));
// stdin may still hold the event loop open after a stdio session; exit once stdout has drained.
process.stdout.write('', () => process.exit(code));

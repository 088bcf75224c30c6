#!/usr/bin/env node
/** The `mcp-middleware` executable: runs the command, then exits with its code once output is flushed. */
import { holdHangup } from './early-hangup.js';

// Before the command's modules load: a SIGHUP meanwhile must not end the process (see early-hangup.ts).
holdHangup();
const { runCli } = await import('./cli.js');
const code = await runCli(process.argv.slice(2));
// stdin may still hold the event loop open after a stdio session; exit once stdout has drained.
process.stdout.write('', () => process.exit(code));

#!/usr/bin/env node
/**
 * The `pcmk-remote` command line (entry point; the commands live in `program.ts`).
 */
import { runCli } from './program.js';

// A reader that goes away (`pcmk-remote --help | head -1`) ends the command quietly, as other tools do.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code !== 'EPIPE') throw err;
  process.exit(process.exitCode ?? 0);
});

process.exitCode = await runCli(process.argv.slice(2));

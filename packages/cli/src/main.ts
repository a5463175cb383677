#!/usr/bin/env node
/**
 * The `pcmk-remote` command line (entry point; the commands live in `program.ts`).
 */
import { runCli } from './program.js';

process.exitCode = await runCli(process.argv.slice(2));

/**
 * Small helpers the example programs share for their command lines (node:util `parseArgs`, no extra
 * dependency): durations, `NAME=HOST[:PORT]` node arguments, and a usage error with a stable code.
 */
import { tryParseDuration } from '@pcmk-remote/cib-model';
import { ErrorCodes, RemoteConnError } from '@pcmk-remote/remote-conn';

/** A bad command-line argument: the programs print the message and exit with status 2. */
export function usageError(message: string): RemoteConnError {
  return new RemoteConnError(ErrorCodes.INVALID_ARGUMENT, message);
}

/** `500ms`, `10s`, `1min`, `2` (seconds) → ms, as Pacemaker reads durations. */
export function durationMs(text: string | undefined, fallback: number, what: string): number {
  if (text === undefined) return fallback;
  const ms = tryParseDuration(text);
  if (ms === undefined || ms < 0) throw usageError(`${what}: not a duration: ${JSON.stringify(text)} (e.g. 500ms, 10s, 1min)`);
  return ms;
}

/** A non-negative integer option. */
export function integer(text: string | undefined, fallback: number, what: string, max = Number.MAX_SAFE_INTEGER): number {
  if (text === undefined) return fallback;
  if (!/^\d+$/.test(text) || Number(text) > max) throw usageError(`${what}: expected an integer from 0 to ${max}, got ${JSON.stringify(text)}`);
  return Number(text);
}

/** Parses `NAME=HOST[:PORT]` (IPv6 as `[addr]:port`). */
export function nodeArgument(text: string, defaultPort = 3121): { name: string; host: string; port: number } {
  const eq = text.indexOf('=');
  if (eq <= 0) throw usageError(`--node expects NAME=HOST[:PORT], got ${JSON.stringify(text)}`);
  const name = text.slice(0, eq);
  const rest = text.slice(eq + 1);
  const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(rest);
  let host = rest;
  let port = defaultPort;
  if (v6) {
    host = v6[1] as string;
    if (v6[2]) port = Number(v6[2]);
  } else {
    const i = rest.lastIndexOf(':');
    if (i > 0 && rest.indexOf(':') === i) {
      host = rest.slice(0, i);
      port = Number(rest.slice(i + 1));
    }
  }
  if (!host || !Number.isInteger(port) || port < 1 || port > 65535) throw usageError(`--node ${text}: bad host or port`);
  return { name, host, port };
}

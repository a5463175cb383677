/**
 * Loading Pacemaker Remote's shared authkey (protocol.md §1.3).
 *
 * The key is the raw, whole content of the file: no trimming, hashing or decoding.
 */
import { constants, type Stats } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { ErrorCodes, RemoteConnError } from '../errors.js';

/** Pacemaker's default key location. */
export const DEFAULT_AUTHKEY_PATH = '/etc/pacemaker/authkey';

/** Where {@link loadAuthKey} looks when given no path: `PCMK_authkey_location`, else the default. */
export function defaultAuthKeyPath(env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env.PCMK_authkey_location;
  return fromEnv && fromEnv.length > 0 ? fromEnv : DEFAULT_AUTHKEY_PATH;
}

/** Options of {@link loadAuthKey}. */
export interface LoadAuthKeyOptions {
  /** Accept a key file that every user can read (default false: such a key is refused). */
  allowWorldReadable?: boolean;
}

/** The largest authkey file accepted, in bytes (Pacemaker's keys are 4096 bytes; TLS-PSK keys are far smaller). */
export const MAX_AUTHKEY_BYTES = 64 * 1024;

/**
 * Reads the authkey.
 *
 * The file type and size are checked with `stat()` before the file is opened, and it is opened
 * non-blocking: a FIFO (or a symlink to one) is refused at once instead of blocking forever in `open()`.
 *
 * @param path the key file; default `$PCMK_authkey_location`, else `/etc/pacemaker/authkey`. Unlike
 *   Pacemaker 2.1.5 there is no silent fallback: a path that was asked for and cannot be read is an error.
 * @throws RemoteConnError `KEY_MISSING`, `KEY_UNREADABLE` (also: not a regular file), `KEY_EMPTY`,
 *   `KEY_INSECURE`, `KEY_INVALID` (over {@link MAX_AUTHKEY_BYTES}, with `details.size`); each names the path
 */
export async function loadAuthKey(path?: string, options: LoadAuthKeyOptions = {}): Promise<Buffer> {
  const file = path ?? defaultAuthKeyPath();
  const source = path === undefined && process.env.PCMK_authkey_location ? ' (from PCMK_authkey_location)' : '';
  const unreadable = (e: NodeJS.ErrnoException) =>
    new RemoteConnError(ErrorCodes.KEY_UNREADABLE, `The authkey ${file}${source} cannot be read: ${e.code ?? e.message}`, { cause: e, details: { path: file } });
  const check = (st: Stats): void => {
    if (!st.isFile()) {
      throw new RemoteConnError(ErrorCodes.KEY_UNREADABLE, `The authkey ${file}${source} is not a regular file`, { details: { path: file } });
    }
    if (st.size > MAX_AUTHKEY_BYTES) {
      throw new RemoteConnError(ErrorCodes.KEY_INVALID, `The authkey ${file}${source} is ${st.size} bytes, more than a key can be (at most ${MAX_AUTHKEY_BYTES})`, {
        details: { path: file, size: st.size },
      });
    }
    if ((st.mode & 0o004) !== 0 && !options.allowWorldReadable) {
      throw new RemoteConnError(
        ErrorCodes.KEY_INSECURE,
        `The authkey ${file}${source} is readable by every user (mode ${(st.mode & 0o777).toString(8)}); ` +
          `restrict it: chmod 0640 ${file} (group haclient) or 0400`,
        { details: { path: file, mode: st.mode & 0o777 } },
      );
    }
  };
  // stat() follows symlinks (keys are often links to a shared location) and never opens the file.
  try {
    check(await stat(file));
  } catch (err) {
    if (err instanceof RemoteConnError) throw err;
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ENOENT') {
      throw new RemoteConnError(ErrorCodes.KEY_MISSING, `The authkey ${file}${source} does not exist`, { cause: e, details: { path: file } });
    }
    throw unreadable(e);
  }
  let handle;
  try {
    // Non-blocking: should the file have been replaced by a FIFO since the check, open() still returns.
    handle = await open(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (err) {
    throw unreadable(err as NodeJS.ErrnoException);
  }
  try {
    check(await handle.stat());
    const buf = Buffer.alloc(MAX_AUTHKEY_BYTES + 1);
    let length = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buf, length, buf.length - length, length);
      if (bytesRead === 0) break;
      length += bytesRead;
      if (length > MAX_AUTHKEY_BYTES) {
        throw new RemoteConnError(ErrorCodes.KEY_INVALID, `The authkey ${file}${source} is more than ${MAX_AUTHKEY_BYTES} bytes, more than a key can be`, {
          details: { path: file, size: length },
        });
      }
    }
    if (length === 0) {
      throw new RemoteConnError(ErrorCodes.KEY_EMPTY, `The authkey ${file}${source} is empty`, { details: { path: file } });
    }
    return Buffer.from(buf.subarray(0, length));
  } catch (err) {
    if (err instanceof RemoteConnError) throw err;
    throw unreadable(err as NodeJS.ErrnoException);
  } finally {
    await handle.close();
  }
}

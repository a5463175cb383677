/**
 * Loading Pacemaker Remote's shared authkey (protocol.md §1.3).
 *
 * The key is the raw, whole content of the file: no trimming, hashing or decoding.
 */
import { constants } from 'node:fs';
import { access, open } from 'node:fs/promises';
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

/**
 * Reads the authkey.
 *
 * @param path the key file; default `$PCMK_authkey_location`, else `/etc/pacemaker/authkey`. Unlike
 *   Pacemaker 2.1.5 there is no silent fallback: a path that was asked for and cannot be read is an error.
 * @throws RemoteConnError `KEY_MISSING`, `KEY_UNREADABLE`, `KEY_EMPTY`, `KEY_INSECURE` (each names the path)
 */
export async function loadAuthKey(path?: string, options: LoadAuthKeyOptions = {}): Promise<Buffer> {
  const file = path ?? defaultAuthKeyPath();
  const source = path === undefined && process.env.PCMK_authkey_location ? ' (from PCMK_authkey_location)' : '';
  let handle;
  try {
    handle = await open(file, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ENOENT') {
      throw new RemoteConnError(ErrorCodes.KEY_MISSING, `The authkey ${file}${source} does not exist`, { cause: e, details: { path: file } });
    }
    if (e.code === 'ELOOP') {
      // O_NOFOLLOW refused a symlink: follow it explicitly (keys are often links to a shared location).
      try {
        await access(file, constants.R_OK);
        handle = await open(file, constants.O_RDONLY);
      } catch (err2) {
        throw new RemoteConnError(ErrorCodes.KEY_UNREADABLE, `The authkey ${file}${source} cannot be read: ${(err2 as NodeJS.ErrnoException).code ?? 'error'}`, { cause: err2, details: { path: file } });
      }
    } else {
      throw new RemoteConnError(ErrorCodes.KEY_UNREADABLE, `The authkey ${file}${source} cannot be read: ${e.code ?? e.message}`, { cause: e, details: { path: file } });
    }
  }
  try {
    const st = await handle.stat();
    if (!st.isFile()) {
      throw new RemoteConnError(ErrorCodes.KEY_UNREADABLE, `The authkey ${file}${source} is not a regular file`, { details: { path: file } });
    }
    if ((st.mode & 0o004) !== 0 && !options.allowWorldReadable) {
      throw new RemoteConnError(
        ErrorCodes.KEY_INSECURE,
        `The authkey ${file}${source} is readable by every user (mode ${(st.mode & 0o777).toString(8)}); ` +
          `restrict it: chmod 0640 ${file} (group haclient) or 0400`,
        { details: { path: file, mode: st.mode & 0o777 } },
      );
    }
    const key = await handle.readFile();
    if (key.length === 0) {
      throw new RemoteConnError(ErrorCodes.KEY_EMPTY, `The authkey ${file}${source} is empty`, { details: { path: file } });
    }
    return key;
  } catch (err) {
    if (err instanceof RemoteConnError) throw err;
    const e = err as NodeJS.ErrnoException;
    throw new RemoteConnError(ErrorCodes.KEY_UNREADABLE, `The authkey ${file}${source} cannot be read: ${e.code ?? e.message}`, { cause: e, details: { path: file } });
  } finally {
    await handle.close();
  }
}

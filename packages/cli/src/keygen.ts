/**
 * `pcmk-remote keygen`: writes a new authkey the way the cluster tools do (pcs: 256 random bytes).
 */
import { randomBytes } from 'node:crypto';
import { chownSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, basename } from 'node:path';
import { ErrorCodes, RemoteConnError } from '@pcmk-remote/remote-conn';
import { DEFAULT_AUTHKEY_PATH } from '@pcmk-remote/remote-conn';

/** Options of {@link generateAuthKey}. */
export interface KeygenOptions {
  /** Key length in bytes (1..65535). @default 256 */
  bytes?: number;
  /** Where to write it. @default /etc/pacemaker/authkey */
  out?: string;
  /** Replace an existing file. @default false */
  force?: boolean;
}

/** The gid of group `haclient`, if the machine has one. */
export function haclientGid(groupFile = '/etc/group'): number | undefined {
  try {
    const line = readFileSync(groupFile, 'utf8').split('\n').find((l) => l.startsWith('haclient:'));
    const gid = line ? Number.parseInt(line.split(':')[2] ?? '', 10) : Number.NaN;
    return Number.isFinite(gid) ? gid : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Writes a random key with mode 0640 (group `haclient` where it exists), atomically (temporary file, then
 * rename). Refuses to overwrite unless `force`. Returns the path and the group it got.
 */
export function generateAuthKey(options: KeygenOptions = {}): { path: string; bytes: number; group?: string } {
  const bytes = options.bytes ?? 256;
  if (!Number.isInteger(bytes) || bytes < 1 || bytes > 65535) {
    throw new RemoteConnError(ErrorCodes.INVALID_ARGUMENT, `--bytes must be an integer from 1 to 65535, got ${String(options.bytes)}`);
  }
  const path = options.out ?? DEFAULT_AUTHKEY_PATH;
  if (existsSync(path) && !options.force) {
    throw new RemoteConnError(ErrorCodes.INVALID_ARGUMENT, `${path} already exists; pass --force to replace it (every node needs the same key)`);
  }
  mkdirSync(dirname(path), { recursive: true, mode: 0o750 });
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  try {
    writeFileSync(tmp, randomBytes(bytes), { mode: 0o640, flag: 'wx' });
    const gid = haclientGid();
    let group: string | undefined;
    if (gid !== undefined) {
      try {
        chownSync(tmp, process.getuid?.() ?? 0, gid);
        group = 'haclient';
      } catch {
        /* not allowed (not root): keep our own group */
      }
    }
    renameSync(tmp, path);
    return group ? { path, bytes, group } : { path, bytes };
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}

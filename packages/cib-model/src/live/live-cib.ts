/**
 * A CIB source that follows a live cluster: reads the CIB as `cibadmin --query` does and re-reads it when
 * the cluster reports a change.
 *
 * Change detection: one long-lived `crm_mon --output-as=text --interval=N` per source. crm_mon registers
 * for the CIB manager's change notifications (`cib_diff_notify`) and, outside one-shot mode and without a
 * TTY, prints a new status each time the CIB changes (and only then: an idle cluster prints nothing, no
 * refresh timer). Its output is used only as a trigger: a burst is coalesced, then ONE `cibadmin --query`
 * reads the CIB, and a `change` event is emitted when the CIB version (`admin_epoch`, `epoch`,
 * `num_updates`) moved.
 *
 * crm_mon throttles itself: a change arriving within the same second as its previous screen is held back
 * by a 2 s timer. Pacemaker's changes come in bursts (a configuration change, then the status updates of
 * the actions it causes), so after each screen the source also makes a few cheap version checks
 * (`cibadmin --query --xpath /cib --no-children`, the `<cib>` element only; `followUpMs`, default
 * 0.5/1/1.5/2 s) and reads the whole CIB only when the version moved. So: nothing at all is read while
 * the cluster is idle, and a change shows up within about 0.5 s plus one query. We chose this over
 * polling the version alone (a process per tick even when idle) and over speaking the CIB manager's IPC
 * ourselves (libqb shared-memory IPC: a native binding this package does not want).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'eventemitter3';
import createDebug from 'debug';
import { parseCib, type Cib, type ParseCibOptions } from '../cib.js';
import { CibModelError, CibModelErrorCodes } from '../errors.js';
import { runTool, type ToolOptions } from './run-tool.js';

const debug = createDebug('pcmk-remote:cib-live');

/** The version of a CIB: it changes with every change (`num_updates` for status, `epoch` for configuration). */
export interface CibVersion {
  adminEpoch: number;
  epoch: number;
  numUpdates: number;
}

/** One read of the live CIB. */
export interface LiveCibSnapshot {
  cib: Cib;
  xml: string;
  version: CibVersion;
  readAt: Date;
}

/** Options of {@link LiveCib.open} and {@link readLiveCib}. */
export interface LiveCibOptions extends ToolOptions {
  /** Follow changes (run the crm_mon notifier). @default true */
  follow?: boolean;
  /** crm_mon's `--interval`: the longest it holds a change back, and its reconnect interval. @default 500 */
  notifyIntervalMs?: number;
  /** Coalesce notifications for this long before reading. @default 50 */
  debounceMs?: number;
  /**
   * After each crm_mon screen, check the CIB version again this long after it (covers crm_mon's own 2 s
   * throttle, see the module comment). @default [500, 1000, 1500, 2000]
   */
  followUpMs?: readonly number[];
  /** Restart a notifier that exited after this long. @default 2000 */
  restartDelayMs?: number;
  /** Passed to `parseCib`. */
  parse?: ParseCibOptions;
}

/** Events of {@link LiveCib}. */
export interface LiveCibEvents {
  /** The CIB changed (a new version was read). */
  change: [snapshot: LiveCibSnapshot, previous: LiveCibSnapshot];
  /** A re-read or the notifier failed; the source keeps following (it retries on the next notification). */
  error: [error: CibModelError];
}

function versionOf(cib: Cib): CibVersion {
  const a = cib.document.attrs;
  const n = (v: string | undefined) => (v === undefined || !/^\d+$/.test(v) ? 0 : Number(v));
  return { adminEpoch: n(a.admin_epoch), epoch: n(a.epoch), numUpdates: n(a.num_updates) };
}

/** Whether two versions are the same. */
export function sameVersion(a: CibVersion, b: CibVersion): boolean {
  return a.adminEpoch === b.adminEpoch && a.epoch === b.epoch && a.numUpdates === b.numUpdates;
}

async function query(o: LiveCibOptions): Promise<LiveCibSnapshot> {
  const xml = await runTool(['cibadmin', '--query'], o);
  let cib: Cib;
  try {
    cib = parseCib(xml, o.parse);
  } catch (err) {
    throw new CibModelError(CibModelErrorCodes.LIVE_SOURCE, `cibadmin --query printed no CIB: ${(err as Error).message}`, { cause: err });
  }
  return { cib, xml, version: versionOf(cib), readAt: new Date() };
}

async function queryVersion(o: LiveCibOptions): Promise<CibVersion> {
  const xml = await runTool(['cibadmin', '--query', '--xpath', '/cib', '--no-children'], o);
  const attr = (k: string) => {
    const m = new RegExp(`\\s${k}="(\\d+)"`).exec(xml);
    return m ? Number(m[1]) : Number.NaN;
  };
  const v = { adminEpoch: attr('admin_epoch'), epoch: attr('epoch'), numUpdates: attr('num_updates') };
  if (Object.values(v).some(Number.isNaN)) throw new CibModelError(CibModelErrorCodes.LIVE_SOURCE, `cibadmin printed no CIB version: ${xml.slice(0, 200)}`);
  return v;
}

/** Reads the live CIB once (`cibadmin --query`). */
export async function readLiveCib(options: Omit<LiveCibOptions, 'follow'> = {}): Promise<LiveCibSnapshot> {
  return query(options);
}

function checkMs(name: string, v: number | undefined, min: number): void {
  if (v !== undefined && (!Number.isInteger(v) || v < min)) {
    throw new CibModelError(CibModelErrorCodes.INVALID_ARGUMENT, `${name} must be an integer >= ${min}, got ${String(v)}`);
  }
}

/** A live CIB that follows the cluster; see the module comment for how changes are detected. */
export class LiveCib extends EventEmitter<LiveCibEvents> {
  #current: LiveCibSnapshot;
  readonly #options: LiveCibOptions;
  #notifier: ChildProcess | undefined;
  #debounce: NodeJS.Timeout | undefined;
  #restart: NodeJS.Timeout | undefined;
  #reading: Promise<void> | undefined;
  #dirty = false;
  #closed = false;
  #reads = 1;
  #versionChecks = 0;
  #notifications = 0;
  #followUps: NodeJS.Timeout[] = [];
  #checkOnly = false;

  private constructor(first: LiveCibSnapshot, options: LiveCibOptions) {
    super();
    this.#current = first;
    this.#options = options;
  }

  /**
   * Reads the CIB and (unless `follow: false`) starts following it.
   * @throws CibModelError `PCMK_CIB_LIVE_SOURCE` when the first read fails; `PCMK_CIB_INVALID_ARGUMENT` for bad options
   */
  static async open(options: LiveCibOptions = {}): Promise<LiveCib> {
    checkMs('notifyIntervalMs', options.notifyIntervalMs, 100);
    checkMs('debounceMs', options.debounceMs, 0);
    checkMs('restartDelayMs', options.restartDelayMs, 0);
    checkMs('queryTimeoutMs', options.queryTimeoutMs, 1);
    for (const ms of options.followUpMs ?? []) checkMs('followUpMs[]', ms, 0);
    const live = new LiveCib(await query(options), options);
    if (options.follow !== false) live.#startNotifier();
    return live;
  }

  /** The last CIB read. */
  get current(): LiveCibSnapshot {
    return this.#current;
  }

  /** How many times the CIB was read (`cibadmin --query` runs), the first read included. */
  get reads(): number {
    return this.#reads;
  }

  /** How many cheap version checks were made (follow-ups after crm_mon's screens). */
  get versionChecks(): number {
    return this.#versionChecks;
  }

  /** How many change notifications crm_mon gave (bursts of output, its first screen included). */
  get notifications(): number {
    return this.#notifications;
  }

  /** Re-reads the CIB now (emits `change` if it moved); resolves with the current snapshot. */
  async refresh(): Promise<LiveCibSnapshot> {
    if (this.#closed) throw new CibModelError(CibModelErrorCodes.LIVE_SOURCE, 'the live CIB source is closed');
    this.#dirty = true;
    await this.#drain();
    return this.#current;
  }

  /** Stops following: ends crm_mon and waits for it to exit. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#debounce);
    clearTimeout(this.#restart);
    for (const t of this.#followUps) clearTimeout(t);
    const n = this.#notifier;
    this.#notifier = undefined;
    if (n && n.exitCode === null && n.signalCode === null) {
      await new Promise<void>((resolve) => {
        n.once('exit', () => resolve());
        n.kill('SIGTERM');
      });
    }
    await this.#reading?.catch(() => undefined);
    this.removeAllListeners();
  }

  #startNotifier(): void {
    if (this.#closed) return;
    const interval = this.#options.notifyIntervalMs ?? 500;
    const argv = [...(this.#options.commandPrefix ?? []), 'crm_mon', '--output-as=text', `--interval=${interval}ms`];
    debug('notifier: %s', argv.join(' '));
    const child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'ignore'], env: this.#options.env ?? process.env });
    this.#notifier = child;
    // Every screen crm_mon prints (the first one too: a change may have landed between our read and its
    // registration) triggers one version check; a screen arriving in several chunks is coalesced.
    child.stdout!.on('data', () => this.#schedule());
    child.on('error', (err) => {
      this.emit('error', new CibModelError(CibModelErrorCodes.LIVE_SOURCE, `crm_mon (change notifications) failed: ${err.message}`, { cause: err }));
    });
    child.on('exit', (code, sig) => {
      if (this.#closed || this.#notifier !== child) return;
      this.#notifier = undefined;
      debug('notifier exited (%s); restarting', code ?? sig);
      this.emit('error', new CibModelError(CibModelErrorCodes.LIVE_SOURCE, `crm_mon (change notifications) exited (${code ?? sig}); restarting`));
      this.#restart = setTimeout(() => {
        this.#startNotifier();
        this.#schedule();
      }, this.#options.restartDelayMs ?? 2000);
    });
  }

  #schedule(): void {
    if (this.#closed) return;
    if (!this.#debounce) this.#notifications++;
    this.#dirty = true;
    clearTimeout(this.#debounce);
    this.#debounce = setTimeout(() => {
      this.#debounce = undefined;
      void this.#drain();
    }, this.#options.debounceMs ?? 50);
    for (const t of this.#followUps) clearTimeout(t);
    this.#followUps = (this.#options.followUpMs ?? [500, 1000, 1500, 2000]).map((ms) =>
      setTimeout(() => {
        if (this.#dirty || this.#closed) return;
        this.#checkOnly = true;
        this.#dirty = true;
        void this.#drain();
      }, ms),
    );
  }

  /** Reads until no notification is pending; one read at a time. */
  #drain(): Promise<void> {
    if (this.#reading) return this.#reading;
    this.#reading = (async () => {
      while (this.#dirty && !this.#closed) {
        this.#dirty = false;
        const checkOnly = this.#checkOnly;
        this.#checkOnly = false;
        try {
          if (checkOnly) {
            this.#versionChecks++;
            const v = await queryVersion(this.#options);
            if (this.#closed || sameVersion(v, this.#current.version)) continue;
          }
          this.#reads++;
          const next = await query(this.#options);
          if (this.#closed) return;
          const prev = this.#current;
          if (sameVersion(prev.version, next.version)) continue;
          this.#current = next;
          this.emit('change', next, prev);
        } catch (err) {
          if (!this.#closed) this.emit('error', err as CibModelError);
        }
      }
    })().finally(() => {
      this.#reading = undefined;
    });
    return this.#reading;
  }
}

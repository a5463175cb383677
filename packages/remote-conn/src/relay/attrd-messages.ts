/**
 * attrd's IPC messages as the tools send them (lib/common/ipc_attrd.c) and as pacemaker-attrd answers
 * them (daemons/attrd): element and attribute names of Pacemaker 2.1.5, unchanged in newer releases.
 */
import { el, type XmlElement } from '../messages/xml.js';

/** attrd's `task` values. */
export const AttrdTask = {
  UPDATE: 'update',
  UPDATE_BOTH: 'update-both',
  UPDATE_DELAY: 'update-delay',
  QUERY: 'query',
  PEER_REMOVE: 'peer-remove',
  REFRESH: 'refresh',
  CLEAR_FAILURE: 'clear-failure',
} as const;

/** What pacemaker-attrd 2.1.5 reports as its protocol version. */
export const ATTRD_PROTOCOL_VERSION = '4';
/** `CRM_EX_INDETERMINATE`: the status attrd puts on the ack it sends before processing. */
const CRM_EX_INDETERMINATE = 112;

/** One attribute operation of an attrd request (a request may carry several as `<op>` children). */
export interface AttrdOperation {
  task: string;
  name?: string;
  /** `attr_regex`: applies to every attribute whose name matches. */
  pattern?: string;
  /** Absent on an update means delete. */
  value?: string;
  /** `attr_dampening` as sent (e.g. `5s`, `5000ms`, `5`). */
  dampening?: string;
  host?: string;
  isPrivate: boolean;
  isRemote: boolean;
  /** clear-failure: resource, operation and interval spec. */
  resource?: string;
  operation?: string;
  interval?: string;
}

function readOp(e: XmlElement, task: string): AttrdOperation {
  const a = e.attrs;
  const op: AttrdOperation = { task: a.task ?? task, isPrivate: a.attr_is_private === '1', isRemote: a.attr_is_remote === '1' };
  if (a.attr_name !== undefined) op.name = a.attr_name;
  if (a.attr_regex !== undefined) op.pattern = a.attr_regex;
  if (a.attr_value !== undefined) op.value = a.attr_value;
  if (a.attr_dampening !== undefined) op.dampening = a.attr_dampening;
  if (a.attr_host !== undefined) op.host = a.attr_host;
  if (a.attr_resource !== undefined) op.resource = a.attr_resource;
  if (a.attr_clear_operation !== undefined) op.operation = a.attr_clear_operation;
  if (a.attr_clear_interval !== undefined) op.interval = a.attr_clear_interval;
  return op;
}

/** The operations of an attrd request: itself, or its `<op>` children (newer clients batch updates). */
export function readAttrdRequest(e: XmlElement): { task: string; ops: AttrdOperation[] } {
  const task = e.attrs.task ?? '';
  const children = e.children.filter((c) => c.name === 'op');
  return { task, ops: children.length > 0 ? children.map((c) => readOp(c, task)) : [readOp(e, task)] };
}

/** The ack attrd sends for every update-like request before processing it (`attrd_send_ack`). */
export function attrdAck(fn = 'attrd_client_update'): XmlElement {
  return el('ack', { function: fn, line: 0, status: CRM_EX_INDETERMINATE, 'ipc-protocol-version': ATTRD_PROTOCOL_VERSION });
}

/**
 * The reply to a query (`build_query_reply`). Without `values` (the attribute is unknown) it has no
 * `attr_name`, which the tools report as "attribute does not exist".
 */
export function attrdQueryReply(name: string, values: Array<{ host: string; value: string | undefined }> | undefined): XmlElement {
  return el(
    'build_query_reply',
    { t: 'attrd', subt: AttrdTask.QUERY, attr_version: ATTRD_PROTOCOL_VERSION, attr_name: values ? name : undefined },
    (values ?? []).map((v) => el('node', { attr_host: v.host, attr_value: v.value })),
  );
}

const UNIT_MS: Record<string, number> = { ms: 1, msec: 1, s: 1000, sec: 1000, m: 60_000, min: 60_000, h: 3_600_000, hr: 3_600_000 };

/**
 * A duration as Pacemaker's `crm_get_msec` reads it: a number with an optional unit (`ms`, `s`, `m`,
 * `h`, ...), seconds when there is none. `undefined` for anything else.
 */
export function parseDurationMs(text: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(text);
  if (!m) return undefined;
  const unit = (m[2] ?? '').toLowerCase();
  const factor = unit === '' ? 1000 : UNIT_MS[unit];
  return factor === undefined ? undefined : Math.round(Number(m[1]) * factor);
}

/** attrd's `value++` / `value+=N` expansion (`attrd_expand_value`): a score increment of the old value. */
export function expandValue(value: string, old: string | undefined): string | undefined {
  const PREFIX = 5; // attrd checks the characters after a five-character placeholder (`value`)
  if (value.length < PREFIX + 2 || value[PREFIX] !== '+' || (value[PREFIX + 1] !== '+' && value[PREFIX + 1] !== '=')) return undefined;
  const offset = value[PREFIX + 1] === '+' ? 1 : score(value.slice(PREFIX + 2));
  return String(Math.min(score(old) + offset, SCORE_INFINITY));
}

const SCORE_INFINITY = 1_000_000;

/** Pacemaker's `char2score`: INFINITY words, clamped integers, 0 for anything unreadable. */
export function score(text: string | undefined): number {
  if (text === undefined) return 0;
  const t = text.trim().toLowerCase();
  if (t === 'infinity' || t === '+infinity') return SCORE_INFINITY;
  if (t === '-infinity') return -SCORE_INFINITY;
  if (t === 'red' || t === 'yellow' || t === 'green') return 0;
  const n = Number.parseInt(t, 10);
  if (!Number.isFinite(n)) return 0;
  return Math.max(-SCORE_INFINITY, Math.min(SCORE_INFINITY, n));
}

/** The attribute names a `clear-failure` request removes (`attrd_failure_regex`). */
export function failureRegex(resource?: string, operation?: string, interval?: string): RegExp {
  const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  if (!resource) return /^(fail-count|last-failure)-/;
  if (!operation) return new RegExp(`^(fail-count|last-failure)-${esc(resource)}(#.+_[0-9]+)?$`);
  const ms = interval === undefined ? 0 : (parseDurationMs(interval) ?? 0);
  return new RegExp(`^(fail-count|last-failure)-${esc(resource)}(#${esc(operation)}_${ms})?$`);
}

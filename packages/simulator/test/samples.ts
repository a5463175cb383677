/**
 * The captured 2.1.5 session (`/work/shared/reference/samples/session-*`) as replayable steps, and the
 * comparison rules used by the sample-fidelity and simulator-vs-real tests.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseXml, type XmlElement } from '@pcmk-remote/remote-conn/protocol';

export const SAMPLES_DIR = '/work/shared/reference/samples';

/** One step of the captured session. */
export interface SampleStep {
  name: string;
  request: XmlElement | undefined;
  reply: XmlElement | undefined;
  /** Expected notifies in order (notify, notify2, notify3). */
  notifies: XmlElement[];
  /** The real daemon sent the reply before the first notify (from the captured frame header ids). */
  replyFirst: boolean | undefined;
}

function headerId(file: string): number | undefined {
  const m = /frame header: .*?\bid=(\d+)/.exec(readFileSync(join(SAMPLES_DIR, file), 'utf8'));
  return m?.[1] ? Number(m[1]) : undefined;
}

/** Reads a sample: strips the comment and pretty-printing whitespace. */
export function readSample(file: string): XmlElement {
  const text = readFileSync(join(SAMPLES_DIR, file), 'utf8').replace(/<!--[\s\S]*?-->/g, '').trim();
  return parseXml(text.replace(/>\s+</g, '><'));
}

/** The `session-NN-*` steps, in order. */
export function sessionSteps(): SampleStep[] {
  const files = readdirSync(SAMPLES_DIR).filter((f) => f.startsWith('session-')).sort();
  const steps = new Map<string, SampleStep>();
  for (const f of files) {
    const m = /^(session-\d\d-[^.]+)\.(request|reply|notify\d?)\.xml$/.exec(f);
    if (!m?.[1] || !m[2]) continue;
    const step: SampleStep & { ids?: Record<string, number | undefined> } = steps.get(m[1]) ?? {
      name: m[1],
      request: undefined,
      reply: undefined,
      notifies: [],
      replyFirst: undefined,
    };
    steps.set(m[1], step);
    const e = readSample(f);
    if (m[2] === 'request') step.request = e;
    else if (m[2] === 'reply') step.reply = e;
    else step.notifies.push(e); // file names sort notify, notify2, notify3
    if (m[2] === 'reply' || m[2] === 'notify') (step.ids ??= {})[m[2]] = headerId(f);
  }
  return [...steps.values()].map((s) => {
    const ids = (s as { ids?: Record<string, number | undefined> }).ids;
    const r = ids?.reply;
    const n = ids?.notify;
    return { name: s.name, request: s.request, reply: s.reply, notifies: s.notifies, replyFirst: r !== undefined && n !== undefined ? r < n : undefined };
  });
}

/** Attributes whose values legitimately differ between runs (uuid, clocks, durations). */
const VOLATILE = new Set(['lrmd_clientid', 'lrmd_exec_time', 'lrmd_queue_time', 'uptime', 'lrmd_async_id']);
/** Epoch timestamps: only "zero or not" is compared. */
const EPOCH = new Set(['lrmd_run_time', 'lrmd_rcchange_time']);

/** Normal form of an element for comparisons: volatile values replaced, epochs reduced to 0 / "T". */
export function normalize(e: XmlElement, options: { ignore?: ReadonlySet<string> } = {}): XmlElement {
  const attrs: Record<string, string> = {};
  for (const [k, v] of Object.entries(e.attrs)) {
    if (VOLATILE.has(k) || options.ignore?.has(k)) attrs[k] = '*';
    else if (EPOCH.has(k)) attrs[k] = v === '0' ? '0' : 'T';
    else attrs[k] = v;
  }
  return { name: e.name, attrs, children: e.children.map((c) => normalize(c, options)) };
}

/** Human-readable one-line form: `name a=1 b=2 [children]`. */
export function show(e: XmlElement): string {
  const attrs = Object.entries(e.attrs).map(([k, v]) => `${k}=${v}`).join(' ');
  return `<${e.name} ${attrs}${e.children.length ? ` (${e.children.map(show).join(', ')})` : ''}>`;
}

/** What one replayed step produced. */
export interface StepResult {
  name: string;
  reply: XmlElement | undefined;
  notifies: XmlElement[];
  /** The reply arrived before the first notify. */
  replyFirst: boolean | undefined;
}

/** The minimal client interface {@link replaySession} needs (the raw test client). */
export interface ReplayClient {
  received: XmlElement[];
  send(e: XmlElement): Promise<unknown>;
  reply(msgId: number, timeoutMs?: number): Promise<XmlElement>;
  waitFor(pred: (e: XmlElement) => boolean, timeoutMs?: number, what?: string): Promise<XmlElement>;
  nothing(pred: (e: XmlElement) => boolean, ms: number): Promise<boolean>;
}

/**
 * Replays the captured session's requests as they are (same message ids) on a FRESH daemon and collects
 * the reply and the notifies each step produced. Notifies are matched by op, call id (a fresh daemon
 * assigns the same call ids as in the capture) and execution status.
 */
export async function replaySession(c: ReplayClient, steps: SampleStep[], notifyTimeoutMs = 4000): Promise<StepResult[]> {
  const out: StepResult[] = [];
  for (const step of steps) {
    if (!step.request) continue;
    const msgId = Number(step.request.attrs.lrmd_remote_msg_id);
    await c.send(step.request);
    let reply: XmlElement | undefined;
    if (step.reply) reply = await c.reply(msgId, 3000);
    else if (!(await c.nothing((m) => m.name === 'lrmd_reply' && m.attrs.lrmd_remote_msg_id === String(msgId), 300))) {
      throw new Error(`${step.name}: a reply arrived, the real daemon sends none`);
    }
    const notifies: XmlElement[] = [];
    for (const n of step.notifies) {
      const pred = (m: XmlElement) =>
        m.name === n.name &&
        m.attrs.lrmd_op === n.attrs.lrmd_op &&
        m.attrs.lrmd_callid === n.attrs.lrmd_callid &&
        m.attrs.lrmd_exec_op_status === n.attrs.lrmd_exec_op_status;
      notifies.push(await c.waitFor(pred, notifyTimeoutMs, `${step.name} notify ${show(n)}`));
    }
    if (step.notifies.length === 0 && step.reply && step.request.attrs.lrmd_op === 'lrmd_alert_exec') {
      if (!(await c.nothing((m) => m.name === 'lrmd_notify', 300))) throw new Error(`${step.name}: unexpected notify`);
    }
    const first = notifies[0];
    out.push({
      name: step.name,
      reply,
      notifies,
      replyFirst: reply && first ? c.received.indexOf(reply) < c.received.indexOf(first) : undefined,
    });
  }
  return out;
}

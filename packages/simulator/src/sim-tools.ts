/**
 * Simulated cluster tools of a simulated node: `attrd_updater`, `crm_attribute` and `crm_node` send what
 * the real 2.1.5 tools send through the daemon's IPC proxy (lib/common/ipc_attrd.c, ipc_controld.c,
 * lib/cib/cib_native.c), and print what they print, for the cases covered here:
 *
 * - `attrd_updater -n NAME (-U VALUE | -Q | -D) [-N NODE] [-A] [-d DELAY] [-p]`
 * - `crm_attribute [-N NODE] -l reboot -n NAME (-v VALUE | -G | -D) [-q]`, and `--promotion` (the name
 *   `master-$OCF_RESOURCE_INSTANCE`, the node `$OCF_RESKEY_CRM_meta_on_node`)
 * - `crm_node -n | -q`
 *
 * One difference: the real `crm_attribute` first maps the node name to its id through the CIB; the
 * simulated one sends the attrd update directly.
 */
import createDebug from 'debug';
import { el, type XmlElement } from '@pcmk-remote/remote-conn/protocol';
import { SimIpcError, type SimIpcClient, type SimIpcProxy } from './ipc-proxy.js';

const debug = createDebug('pcmk-remote:sim:tools');

/** What a simulated tool printed and how it ended. */
export interface SimToolResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Exit codes the real tools use in these cases (`crm_exit_t`). */
const EX = { OK: 0, ERROR: 1, USAGE: 64, NOSUCH: 105, NOT_CONNECTED: 102, PROTOCOL: 76, DISCONNECT: 102, NOT_FOUND: 78 } as const;

const ERRNO_TEXT: Record<SimIpcError['errno'], string> = {
  ECONNREFUSED: 'Connection refused (111)',
  ENOTCONN: 'Transport endpoint is not connected (107)',
  ETIMEDOUT: 'Timer expired (62)',
};

class Usage extends Error {}

/** Minimal getopt: short options with values (`-n x`, `-nx`) and long ones (`--name=x`, `--name x`). */
function parseArgs(argv: string[], withValue: Set<string>, aliases: Record<string, string>): Map<string, string> {
  const out = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    let key: string;
    let value: string | undefined;
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      key = aliases[eq > 0 ? a.slice(2, eq) : a.slice(2)] ?? '';
      if (eq > 0) value = a.slice(eq + 1);
    } else if (a.startsWith('-') && a.length >= 2) {
      key = a[1] as string;
      if (a.length > 2) value = a.slice(2);
    } else throw new Usage(`unexpected argument ${a}`);
    if (!key) throw new Usage(`unknown option ${a}`);
    if (withValue.has(key) && value === undefined) {
      value = argv[++i];
      if (value === undefined) throw new Usage(`Missing argument for -${key}`);
    }
    out.set(key, value ?? '');
  }
  return out;
}

const attrdOp = (attrs: Record<string, string | undefined>) => el('create_attrd_op', { t: 'attrd', src: attrs.src, ...attrs });

async function withClient<T>(proxy: SimIpcProxy, channel: string, fn: (c: SimIpcClient) => Promise<T>): Promise<T> {
  const c = proxy.connect(channel);
  try {
    return await fn(c);
  } finally {
    c.close();
  }
}

async function attrdUpdater(proxy: SimIpcProxy, argv: string[], opts: SimToolOptions): Promise<SimToolResult> {
  const o = parseArgs(argv, new Set(['n', 'U', 'N', 'd', 's']), { name: 'n', update: 'U', query: 'Q', delete: 'D', node: 'N', all: 'A', delay: 'd', private: 'p', set: 's' });
  const name = o.get('n');
  if (!name) throw new Usage('--name must be specified');
  const node = o.get('N');
  const fail = (what: string, err: unknown, code: number = EX.NOT_CONNECTED) => ({
    code,
    stdout: '',
    stderr: `attrd_updater: Could not ${what}: ${err instanceof SimIpcError ? ERRNO_TEXT[err.errno] : String(err)}\n`,
  });
  if (o.has('Q')) {
    try {
      const reply = await withClient(proxy, 'attrd', (c) =>
        c.send(attrdOp({ src: 'attrd_updater', attr_name: name, task: 'query', attr_host: o.has('A') ? undefined : node }), { expectResponse: true, timeoutMs: opts.ipcTimeoutMs }),
      );
      if (!reply || reply.attrs.t !== 'attrd') return { code: EX.PROTOCOL, stdout: '', stderr: `attrd_updater: Could not query value of ${name}: Protocol error\n` };
      if (reply.attrs.attr_name === undefined) return { code: EX.NOT_FOUND, stdout: '', stderr: `attrd_updater: Could not query value of ${name}: attribute does not exist\n` };
      const lines = reply.children.filter((c) => c.name === 'node').map((c) => `name="${name}" host="${c.attrs.attr_host ?? ''}" value="${c.attrs.attr_value ?? ''}"\n`);
      return { code: EX.OK, stdout: lines.reverse().join(''), stderr: '' };
    } catch (err) {
      return fail(`query value of ${name}`, err);
    }
  }
  const update = o.has('U');
  if (!update && !o.has('D')) throw new Usage('a command (-U, -Q or -D) must be specified');
  const value = update ? o.get('U') : undefined;
  try {
    const ack = await withClient(proxy, 'attrd', (c) =>
      c.send(
        attrdOp({
          src: 'attrd_updater',
          attr_name: name,
          task: o.has('d') && update ? 'update-both' : 'update',
          attr_value: value,
          attr_dampening: o.get('d'),
          attr_host: node,
          attr_set: o.get('s'),
          attr_is_remote: '0',
          attr_is_private: o.has('p') ? '1' : '0',
        }),
        { expectResponse: true, timeoutMs: opts.ipcTimeoutMs },
      ),
    );
    if (ack?.name !== 'ack') return fail(`update ${name}=${value ?? '<none>'}`, 'Protocol error', EX.PROTOCOL);
    return { code: EX.OK, stdout: '', stderr: '' };
  } catch (err) {
    return fail(`update ${name}=${value ?? '<none>'}`, err);
  }
}

async function controllerNodeInfo(proxy: SimIpcProxy, opts: SimToolOptions): Promise<XmlElement | undefined> {
  return withClient(proxy, 'crmd', async (c) => {
    const sysFrom = `${c.pid}_crm_node`;
    await c.send(el('create_request_adv', { origin: 'create_hello_message', t: 'crmd', version: '3.16.1', subt: 'request', reference: `hello-crm_node-${Date.now()}-0`, crm_task: 'hello', crm_sys_to: 'crmd', crm_sys_from: sysFrom }), { expectResponse: false, timeoutMs: opts.ipcTimeoutMs });
    const ref = `node-info-crm_node-${Math.floor(Date.now() / 1000)}-1`;
    const ack = await c.send(el('create_request_adv', { origin: 'pcmk_controld_api_node_info', t: 'crmd', version: '3.16.1', subt: 'request', reference: ref, crm_task: 'node-info', crm_sys_to: 'crmd', crm_sys_from: sysFrom }), { expectResponse: true, timeoutMs: opts.ipcTimeoutMs });
    if (ack?.name !== 'ack') return undefined;
    const reply = await c.nextEvent(opts.ipcTimeoutMs);
    return reply?.children.find((x) => x.name === 'crm_xml')?.children[0] ?? (reply ? el('node') : undefined);
  });
}

async function crmNode(proxy: SimIpcProxy, argv: string[], opts: SimToolOptions): Promise<SimToolResult> {
  const o = parseArgs(argv, new Set(), { name: 'n', quorum: 'q' });
  if (!o.has('n') && !o.has('q')) throw new Usage('only -n and -q are simulated');
  let info: XmlElement | undefined;
  try {
    info = await controllerNodeInfo(proxy, opts);
  } catch (err) {
    const refused = err instanceof SimIpcError && err.errno === 'ECONNREFUSED';
    return { code: EX.DISCONNECT, stdout: '', stderr: refused ? 'error: Could not connect to controller: Connection refused\n' : 'error: Lost connection to controller\n' };
  }
  if (!info) return { code: EX.DISCONNECT, stdout: '', stderr: 'error: Lost connection to controller\n' };
  if (o.has('q')) {
    const q = info.attrs['have-quorum'] === 'true';
    return { code: q ? EX.OK : 3, stdout: `${q ? 1 : 0}\n`, stderr: '' };
  }
  if (!info.attrs.uname) return { code: EX.NOSUCH, stdout: '', stderr: 'Node is not known to cluster\n' };
  return { code: EX.OK, stdout: `${info.attrs.uname}\n`, stderr: '' };
}

async function crmAttribute(proxy: SimIpcProxy, argv: string[], env: Record<string, string>, opts: SimToolOptions): Promise<SimToolResult> {
  const o = parseArgs(argv, new Set(['N', 'l', 'n', 'v', 't']), { node: 'N', lifetime: 'l', name: 'n', 'attr-value': 'v', update: 'v', query: 'G', 'get-value': 'G', delete: 'D', quiet: 'q', promotion: 'P', type: 't' });
  let name = o.get('n');
  let node = o.get('N');
  let lifetime = o.get('l') ?? o.get('t');
  if (o.has('P')) {
    const rsc = env.OCF_RESOURCE_INSTANCE;
    if (!rsc) return { code: EX.USAGE, stdout: '', stderr: 'crm_attribute: Error: must specify resource with --promotion (or set OCF_RESOURCE_INSTANCE)\n' };
    name = `master-${rsc.replace(/:[0-9]+$/, '')}`;
    lifetime = 'reboot';
    node ??= env.OCF_RESKEY_CRM_meta_on_node;
  }
  if (!name) throw new Usage('--name must be specified');
  if (lifetime !== 'reboot' && lifetime !== 'status') throw new Usage('only transient attributes (-l reboot) are simulated');
  if (!node) {
    try {
      node = (await controllerNodeInfo(proxy, opts))?.attrs.uname;
    } catch {
      node = undefined;
    }
    if (!node) return { code: EX.NOSUCH, stdout: '', stderr: 'crm_attribute: Could not determine the local node name\n' };
  }
  if (o.has('G')) {
    try {
      const reply = await withClient(proxy, 'cib_rw', async (c) => {
        await c.send(el('cib_command', { t: 'cib', cib_op: 'register', cib_clientname: 'crm_attribute', cib_callopt: 4096 }), { expectResponse: true, timeoutMs: opts.ipcTimeoutMs });
        const xpath = `/cib/status/node_state[@uname='${node}']/transient_attributes/instance_attributes/nvpair[@name='${name}']`;
        return c.send(el('cib_command', { t: 'cib', cib_op: 'cib_query', cib_section: xpath, cib_callid: 1, cib_callopt: 4096 | 0x2 }), { expectResponse: true, timeoutMs: opts.ipcTimeoutMs });
      });
      const nv = reply?.children.find((c) => c.name === 'cib_calldata')?.children[0];
      if (reply?.attrs.cib_rc !== '0' || !nv) return { code: EX.NOSUCH, stdout: '', stderr: 'crm_attribute: Error performing operation: No such device or address\n' };
      const value = nv.attrs.value ?? '';
      return { code: EX.OK, stdout: o.has('q') ? `${value}\n` : `scope=status  name=${name} value=${value}\n`, stderr: '' };
    } catch (err) {
      return { code: EX.NOT_CONNECTED, stdout: '', stderr: `crm_attribute: Could not connect to the CIB: ${err instanceof SimIpcError ? ERRNO_TEXT[err.errno].replace(/ \(\d+\)$/, '') : String(err)}\n` };
    }
  }
  if (!o.has('v') && !o.has('D')) throw new Usage('a command (-v, -G or -D) must be specified');
  try {
    const ack = await withClient(proxy, 'attrd', (c) =>
      c.send(attrdOp({ src: 'crm_attribute', attr_name: name, task: 'update', attr_value: o.get('v'), attr_host: node, attr_is_remote: '0', attr_is_private: '0' }), { expectResponse: true, timeoutMs: opts.ipcTimeoutMs }),
    );
    if (ack?.name !== 'ack') return { code: EX.PROTOCOL, stdout: '', stderr: 'crm_attribute: Error performing operation: Protocol error\n' };
    return { code: EX.OK, stdout: '', stderr: '' };
  } catch (err) {
    return { code: EX.NOT_CONNECTED, stdout: '', stderr: `crm_attribute: Error performing operation: ${err instanceof SimIpcError ? ERRNO_TEXT[err.errno] : String(err)}\n` };
  }
}

/** Options of a simulated tool run. */
export interface SimToolOptions {
  /** How long the tool waits for each answer, ms (the real tools' IPC library waits 5 s). @default 5000 */
  ipcTimeoutMs?: number;
}

/** The simulated tools, by name. */
export const SIM_TOOLS = ['attrd_updater', 'crm_attribute', 'crm_node'] as const;

/** Runs a simulated tool on the node whose proxy is `proxy`. */
export async function runSimTool(proxy: SimIpcProxy, argv: string[], env: Record<string, string> = {}, opts: SimToolOptions = {}): Promise<SimToolResult> {
  const [tool, ...args] = argv;
  try {
    switch (tool) {
      case 'attrd_updater':
        return await attrdUpdater(proxy, args, opts);
      case 'crm_attribute':
        return await crmAttribute(proxy, args, env, opts);
      case 'crm_node':
        return await crmNode(proxy, args, opts);
      default:
        return { code: 127, stdout: '', stderr: `${String(tool)}: not a simulated tool (simulated: ${SIM_TOOLS.join(', ')})\n` };
    }
  } catch (err) {
    if (err instanceof Usage) return { code: EX.USAGE, stdout: '', stderr: `${String(tool)}: ${err.message}\n` };
    throw err;
  }
}

/**
 * What the real `ocf:pacemaker:Stateful` does to set (`crm_attribute --promotion -v SCORE`) or delete
 * (`crm_attribute --promotion -D`) its promotion score: run as a simulated tool on the node, with the
 * environment the executor gives the agent (`OCF_RESOURCE_INSTANCE`, `OCF_RESKEY_CRM_meta_on_node`), so
 * the score travels through the daemon's IPC proxy to the node's owner. Without a connected IPC provider
 * nothing is sent (the real tool's connection would be refused). The tool's requests leave at once (before
 * the agent's result); its outcome is only logged, as the agent ignores it.
 */
export function sendPromotionScore(proxy: SimIpcProxy, resource: string, score: number | undefined, params: Readonly<Record<string, string>>): void {
  if (!proxy.host.provider()) return;
  const env: Record<string, string> = { OCF_RESOURCE_INSTANCE: resource };
  if (params.CRM_meta_on_node) env.OCF_RESKEY_CRM_meta_on_node = params.CRM_meta_on_node;
  const argv = ['crm_attribute', '--promotion', ...(score === undefined ? ['-D'] : ['-v', String(score)])];
  runSimTool(proxy, argv, env).then(
    (r) => {
      if (r.code !== 0) debug('%s: exit %d: %s', argv.join(' '), r.code, r.stderr.trim());
    },
    (err: unknown) => debug('%s failed: %s', argv.join(' '), err instanceof Error ? err.message : String(err)),
  );
}

/**
 * The peers of `bench/large-message.ts`, in child processes so that their work (building and encrypting
 * 19 MiB messages) counts neither against the event loop nor against the CPU time being measured, and the
 * healthy nodes' daemons do not wait behind the big one's. Usage: `<node,node,...> <base64 key>`. One
 * TLS-PSK server per node; each
 * answers register and poke the way pacemaker-remoted does. On command, the server of the node `big` sends
 * one large message or a burst of unsolicited notifications to its client.
 */
import tls from 'node:tls';
import { FrameDecoder, encodeFrame } from '../packages/remote-conn/src/codec/index.js';
import { Op, daemonReply, genericNotify, parseXml, registerReply, serializeXml, withTransport, type XmlElement } from '../packages/remote-conn/src/messages/index.js';

/** Commands from the bench. */
export type PeerCommand =
  | { cmd: 'big'; shape: 'cib' | 'output'; bytes: number }
  | { cmd: 'burst'; count: number }
  | { cmd: 'stop' };

/** Reports to the bench. */
export type PeerReport =
  | { type: 'ready'; ports: Record<string, number> }
  | { type: 'sent'; bytes: number }
  | { type: 'ipc-destroy' };

if (!process.send) throw new Error('large-message-peer.ts runs as a child process of bench/large-message.ts');
const names = (process.argv[2] ?? '').split(',');
const key = Buffer.from(process.argv[3] ?? '', 'base64');
const report = (r: PeerReport) => process.send?.(r);

/** A CIB-like tree inside an IPC proxy request, as the relay would receive for `cibadmin --replace`. */
function cibMessage(bytes: number): string {
  const parts: string[] = [];
  let size = 0;
  for (let i = 0; size < bytes; i++) {
    const p = `<primitive id="rsc-${i}" class="ocf" provider="heartbeat" type="Dummy"><instance_attributes id="rsc-${i}-ia"><nvpair id="rsc-${i}-ia-state" name="state" value="/run/rsc-${i}.state"/><nvpair id="rsc-${i}-ia-fake" name="fake" value="a &amp; b &lt;c&gt; &#10;line"/></instance_attributes><operations><op id="rsc-${i}-monitor" name="monitor" interval="10s" timeout="20s"/></operations></primitive>`;
    parts.push(p);
    size += p.length;
  }
  const cib = `<cib admin_epoch="0" epoch="1" num_updates="0" validate-with="pacemaker-3.9"><configuration><crm_config/><nodes/><resources>${parts.join('')}</resources><constraints/></configuration><status/></cib>`;
  return `<lrmd_ipc_proxy lrmd_ipc_op="request" lrmd_ipc_server="cib_rw" lrmd_ipc_session="big-1" lrmd_ipc_user="root" lrmd_ipc_msg_id="7" lrmd_ipc_msg_flags="0" lrmd_remote_msg_id="0" lrmd_remote_msg_type="request"><lrmd_ipc_msg><cib_command cib_op="cib_replace" cib_callid="2" cib_clientid="c"><cib_calldata>${cib}</cib_calldata></cib_command></lrmd_ipc_msg></lrmd_ipc_proxy>`;
}

/** An exec result whose output is a large escaped document (agent meta-data), one huge attribute. */
function outputMessage(bytes: number): string {
  const line = '<parameter name="state" unique="1"><longdesc lang="en">Location to store the resource state in.</longdesc><content type="string" default="/run/x.state"/></parameter>\n';
  const escaped = line.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/\n/g, '&#10;');
  const output = escaped.repeat(Math.ceil(bytes / escaped.length));
  return `<lrmd_notify lrmd_origin="send_cmd_complete_notify" lrmd_op="lrmd_rsc_exec" lrmd_timeout="20000" lrmd_rsc_interval="0" lrmd_rsc_start_delay="0" lrmd_exec_rc="0" lrmd_exec_op_status="0" lrmd_callid="999999" lrmd_rsc_deleted="0" lrmd_run_time="0" lrmd_rcchange_time="0" lrmd_rsc_exec_time="5" lrmd_rsc_queue_time="0" lrmd_rsc_id="someone-elses" lrmd_rsc_action="meta-data" lrmd_rsc_output="${output}" lrmd_remote_msg_id="0" lrmd_remote_msg_type="notify"/>`;
}

const servers: tls.Server[] = [];
const sockets = new Set<tls.TLSSocket>();
const bigClients: Array<(payload: Buffer[]) => void> = [];

function serve(name: string): Promise<number> {
  const server = tls.createServer(
    { pskCallback: (_s, identity) => (identity === 'lrmd' ? key : null), ciphers: 'TLS_AES_128_GCM_SHA256:PSK-AES256-GCM-SHA384' },
    (socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => undefined);
      const decoder = new FrameDecoder();
      let frameId = 1;
      let callId = 10;
      const send = (e: XmlElement, msgId: number | string, type: 'reply' | 'notify' | 'request') => {
        const f = encodeFrame(serializeXml(withTransport(e, msgId, type)), frameId++);
        socket.write(Buffer.concat([f.header, f.payload]));
      };
      if (name === 'big') {
        bigClients.push((bufs) => {
          for (const b of bufs) socket.write(b);
        });
      }
      socket.on('data', (chunk: Buffer) => {
        for (const frame of decoder.push(chunk)) {
          const req = parseXml(frame.xml);
          const msgId = req.attrs.lrmd_remote_msg_id ?? '0';
          const op = req.attrs.lrmd_op;
          if (op === Op.REGISTER) {
            send(registerReply({ rc: 0, callId: 1, clientId: `client-${name}`, protocolVersion: '1.1' }), msgId, 'reply');
          } else if (op === Op.POKE) {
            const id = ++callId;
            send(daemonReply('process_lrmd_message', id, id), msgId, 'reply');
            send(genericNotify(Op.POKE, 0, id), 0, 'notify');
          } else {
            if (op === Op.IPC_FWD) report({ type: 'ipc-destroy' });
            send(daemonReply('process_lrmd_message', 0, ++callId), msgId, 'reply');
          }
        }
      });
    },
  );
  servers.push(server);
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)));
}

const ports: Record<string, number> = {};
for (const n of names) ports[n] = await serve(n);
report({ type: 'ready', ports });

process.on('message', (c: PeerCommand) => {
  if (c.cmd === 'stop') {
    for (const s of sockets) s.destroy();
    for (const s of servers) s.close();
    process.disconnect();
    return;
  }
  let bufs: Buffer[];
  if (c.cmd === 'big') {
    const xml = c.shape === 'cib' ? cibMessage(c.bytes) : outputMessage(c.bytes);
    const f = encodeFrame(xml, 1_000_000);
    bufs = [f.header, f.payload];
  } else {
    const frames: Buffer[] = [];
    for (let i = 0; i < c.count; i++) {
      const f = encodeFrame(serializeXml(withTransport(genericNotify(Op.POKE, 0, 2_000_000 + i), 0, 'notify')), 2_000_000 + i);
      frames.push(f.header, f.payload);
    }
    bufs = [Buffer.concat(frames)];
  }
  for (const client of bigClients) client(bufs);
  report({ type: 'sent', bytes: bufs.reduce((n, b) => n + b.length, 0) });
});

/**
 * `ControllerInfoRelay`: answers the controller (`crmd`) requests a remote node's tools need to learn
 * who they are, so `crm_node -n`, `-q`, `-l` and `-p` work on the node. As Pacemaker's controller does
 * (`crmd_remote_proxy_cb`, `handle_node_info_request`): the request is acked as the response, and the
 * reply follows as an event. Other controller requests (reprobe, resource cleanup, ...) cannot be served
 * without a controller: their session is destroyed, so the tool fails fast instead of waiting.
 */
import createDebug from 'debug';
import { el, type XmlElement } from '../messages/xml.js';
import type { IpcRelay, RelayRequest, RelaySession, RelaySessionHandler } from './types.js';

const debug = createDebug('pcmk-remote:relay:crmd');

/** The feature set Pacemaker 2.1.5's controller reports. */
export const CRM_FEATURE_SET = '3.16.1';

/** A cluster member as `crm_node -l` lists it. */
export interface ClusterMember {
  /** Numeric node id (0 when it has none). */
  id?: number;
  name: string;
  /** Peer state (`member`, `lost`): `crm_node -p` prints the members. @default 'member' */
  state?: string;
}

/** Options of a {@link ControllerInfoRelay}. */
export interface ControllerInfoRelayOptions {
  /** Whether the cluster has quorum, as `crm_node -q` reports it (exit 0 with quorum). @default true */
  quorum?: boolean | (() => boolean);
  /** The cluster members `crm_node -l` / `-p` list (the controller's peer cache). @default none */
  members?: () => ClusterMember[];
}

/** A controller reply (`create_reply_adv`) to `request`, carrying `data`. */
export function controllerReply(request: XmlElement, data: XmlElement | undefined, origin: string): XmlElement {
  const a = request.attrs;
  return el(
    'create_reply_adv',
    {
      origin,
      t: 'crmd',
      version: CRM_FEATURE_SET,
      subt: 'response',
      reference: a.reference,
      crm_task: a.crm_task,
      crm_sys_to: a.crm_sys_from,
      crm_sys_from: a.crm_sys_to,
      crm_host_to: a.src ? a.src : undefined,
    },
    data ? [el('crm_xml', {}, [data])] : [],
  );
}

/** Serves `crm_node -n` / `-q` (controller `node-info`) for the nodes it is attached to. */
export class ControllerInfoRelay implements IpcRelay {
  readonly #quorum: () => boolean;
  readonly #members: () => ClusterMember[];

  constructor(options: ControllerInfoRelayOptions = {}) {
    const q = options.quorum ?? true;
    this.#quorum = typeof q === 'function' ? q : () => q;
    this.#members = options.members ?? (() => []);
  }

  /** {@link IpcRelay.open}: serves the `crmd` channel only. */
  open(session: RelaySession): RelaySessionHandler | undefined {
    if (session.channel !== 'crmd') return undefined;
    return { request: (request, s) => this.#handle(request, s) };
  }

  #handle(request: RelayRequest, session: RelaySession): XmlElement | undefined {
    const task = request.message.attrs.crm_task ?? '';
    if (task === 'hello') return undefined; // registration: the controller never answers it
    let reply: XmlElement;
    if (task === 'node-info') reply = controllerReply(request.message, this.#nodeInfo(request.message, session.node), 'handle_node_info_request');
    else if (task === 'list-nodes') reply = controllerReply(request.message, this.#nodeList(), 'handle_node_list');
    else {
      debug('%s: controller request %s cannot be served: session destroyed', session.node, task);
      session.destroy();
      return undefined;
    }
    // The controller acks at once and sends the reply afterwards as an event.
    queueMicrotask(() => session.event(reply));
    return request.expectsResponse ? el('ack', { function: 'crmd_remote_proxy_cb', line: 556 }) : undefined;
  }

  #nodeList(): XmlElement {
    return el(
      'nodes',
      {},
      this.#members().map((m) => el('node', { id: m.id ?? 0, uname: m.name, in_ccm: m.state ?? 'member' })),
    );
  }

  #nodeInfo(request: XmlElement, node: string): XmlElement {
    // The dispatcher already gave an id-less, name-less request the node's name, as the controller does.
    const uname = request.attrs.uname ?? node;
    const known = uname === node;
    return el('node', {
      crm_subsystem: 'crmd',
      'have-quorum': this.#quorum() ? 'true' : 'false',
      // Remote nodes have no numeric id: the uuid (their name) is written over the id, as in Pacemaker.
      id: known ? node : undefined,
      uname: known ? node : undefined,
      crmd: known ? 'member' : undefined,
      remote_node: known ? 'true' : undefined,
    });
  }
}

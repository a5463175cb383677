/**
 * `ReadOnlyCibRelay`: serves CIB queries of a remote node's tools (`crm_mon -1`, `cibadmin -Q`,
 * `crm_attribute -G`, agents reading the configuration) from a CIB document the owner supplies, and
 * refuses every write with `-EACCES`, which the tools print as "Permission denied" (what the real CIB
 * manager answers to a write on its read-only channel).
 *
 * The CIB manager's IPC protocol (daemons/based, lib/cib/cib_native.c, Pacemaker 2.1.5): a `register`
 * sign-on answered with a client id, `cib_notify` (un)subscriptions answered with an ack, and
 * `cib_command`s answered with a `cib-reply` (sync calls as the response, async ones as an event).
 * Queries address a section by name, or by XPath with the `cib_xpath` call option, evaluated with a
 * real XPath 1.0 engine as libxml2 does.
 */
import { randomUUID } from 'node:crypto';
import { DOMParser, type Element as DomElement, type Node as DomNode } from '@xmldom/xmldom';
import createDebug from 'debug';
import xpath from 'xpath';
import { ErrorCodes, RemoteConnError } from '../errors.js';
import { el, type XmlElement } from '../messages/xml.js';
import type { NodeAttributeStore } from './node-attribute-store.js';
import { schemasAfter } from './schema-files.js';
import type { IpcRelay, RelayRequest, RelaySession, RelaySessionHandler } from './types.js';

const debug = createDebug('pcmk-remote:relay:cib');

/** `enum cib_call_options` bits that matter to a query. */
export const CibCallOptions = {
  XPATH: 0x2,
  NO_CHILDREN: 0x20,
  SCOPE_LOCAL: 0x100,
  SYNC_CALL: 0x1000,
} as const;

const ENXIO = -6;
const EIO = -5;
const EACCES = -13;
const EPROTO = -71;
const EOPNOTSUPP = -95;

/** The named CIB sections and their paths (lib/common/cib.c `cib_sections`). */
const SECTION_PATHS: Record<string, string> = {
  cib: '//cib',
  all: '//cib',
  status: '//cib/status',
  configuration: '//cib/configuration',
  crm_config: '//cib/configuration/crm_config',
  nodes: '//cib/configuration/nodes',
  resources: '//cib/configuration/resources',
  constraints: '//cib/configuration/constraints',
  op_defaults: '//cib/configuration/op_defaults',
  rsc_defaults: '//cib/configuration/rsc_defaults',
  acls: '//cib/configuration/acls',
  'fencing-topology': '//cib/configuration/fencing-topology',
  tags: '//cib/configuration/tags',
  alerts: '//cib/configuration/alerts',
};

/** Options of a {@link ReadOnlyCibRelay}. */
export interface ReadOnlyCibRelayOptions {
  /** The CIB document (XML text with a `<cib>` root). Replace it later with {@link ReadOnlyCibRelay.setCib}. */
  cib: string;
  /**
   * Show these transient node attributes in the status section (`transient_attributes` of each node's
   * `node_state`), as attrd writes them into the CIB: `crm_attribute -G -l reboot` and `crm_mon -A`
   * on the node then see what was set through the relay.
   */
  attributes?: NodeAttributeStore;
  /**
   * Answer the schema fetch of protocol 1.2 (2.1.8+ daemons, `protocolVersion: '1.2'`) with the
   * `pacemaker-X.Y.rng` files of this directory newer than the node's (and the files they include).
   * Without it the fetch is refused (-EOPNOTSUPP) and the daemon logs "Could not load additional schema
   * files" and carries on with its own schemas.
   */
  schemaDirectory?: string;
}

function toXmlElement(node: DomElement): XmlElement {
  const attrs: Record<string, string> = {};
  for (let i = 0; i < node.attributes.length; i++) {
    const a = node.attributes.item(i);
    if (a) attrs[a.name] = a.value;
  }
  const children: XmlElement[] = [];
  for (let c = node.firstChild; c; c = c.nextSibling) if (c.nodeType === 1) children.push(toXmlElement(c as DomElement));
  return { name: node.nodeName, attrs, children };
}

function* childElements(e: Element): Generator<Element> {
  for (let c = e.firstChild; c; c = c.nextSibling) if (c.nodeType === 1) yield c as Element;
}

function parseCib(text: string): DomNode {
  if (typeof text !== 'string') throw new RemoteConnError(ErrorCodes.INVALID_ARGUMENT, 'The CIB must be XML text');
  let doc;
  try {
    doc = new DOMParser({ onError: (level, msg) => {
      if (level !== 'warning') throw new Error(msg);
    } }).parseFromString(text, 'text/xml');
  } catch (err) {
    throw new RemoteConnError(ErrorCodes.INVALID_ARGUMENT, `The CIB is not well-formed XML: ${(err as Error).message}`, { cause: err });
  }
  if (doc.documentElement?.nodeName !== 'cib') {
    throw new RemoteConnError(ErrorCodes.INVALID_ARGUMENT, `The CIB's root element must be <cib>, not <${doc.documentElement?.nodeName ?? 'nothing'}>`);
  }
  return doc as unknown as DomNode;
}

/** Serves read-only CIB access on the `cib_ro` and `cib_rw` channels. */
export class ReadOnlyCibRelay implements IpcRelay {
  #doc: DomNode;
  readonly #attributes: NodeAttributeStore | undefined;
  readonly #schemaDirectory: string | undefined;
  /** The served document (the CIB plus the written attributes), rebuilt after a change. */
  #served: DomNode | undefined;

  constructor(options: ReadOnlyCibRelayOptions) {
    this.#doc = parseCib(options?.cib);
    this.#attributes = options.attributes;
    this.#schemaDirectory = options.schemaDirectory;
    this.#attributes?.on('change', () => (this.#served = undefined));
  }

  /** The CIB as it is served (with the attribute store's written attributes in the status section). */
  get cib(): string {
    return String(this.#current());
  }

  #current(): DomNode {
    if (!this.#attributes) return this.#doc;
    if (this.#served) return this.#served;
    const doc = (this.#doc as unknown as Document).cloneNode(true) as Document;
    const root = doc.documentElement;
    let status = [...childElements(root)].find((c) => c.nodeName === 'status');
    if (!status) status = root.appendChild(doc.createElement('status'));
    for (const node of this.#attributes.writtenNodes()) {
      let state = [...childElements(status)].find((c) => c.nodeName === 'node_state' && (c.getAttribute('uname') === node || c.getAttribute('id') === node));
      if (!state) {
        state = status.appendChild(doc.createElement('node_state'));
        state.setAttribute('id', node);
        state.setAttribute('uname', node);
      }
      const id = state.getAttribute('id') ?? node;
      for (const old of [...childElements(state)].filter((c) => c.nodeName === 'transient_attributes')) state.removeChild(old);
      const ta = state.appendChild(doc.createElement('transient_attributes'));
      ta.setAttribute('id', id);
      const ia = ta.appendChild(doc.createElement('instance_attributes'));
      ia.setAttribute('id', `status-${id}`);
      for (const [name, value] of this.#attributes.writtenEntries(node)) {
        const nv = ia.appendChild(doc.createElement('nvpair'));
        nv.setAttribute('id', `status-${id}-${name}`);
        nv.setAttribute('name', name);
        nv.setAttribute('value', value);
      }
    }
    this.#served = doc as unknown as DomNode;
    return this.#served;
  }

  /**
   * Replaces the served CIB (e.g. after the owner's model changed).
   * @throws RemoteConnError `INVALID_ARGUMENT` when it is not XML with a `<cib>` root
   */
  setCib(cib: string): void {
    this.#doc = parseCib(cib);
    this.#served = undefined;
  }

  /** {@link IpcRelay.open}: serves `cib_ro` and `cib_rw`. */
  open(session: RelaySession): RelaySessionHandler | undefined {
    if (session.channel !== 'cib_ro' && session.channel !== 'cib_rw') return undefined;
    const clientId = randomUUID();
    return { request: (request) => this.#handle(request, clientId) };
  }

  /**
   * Answers a query as the CIB manager would: `{ rc, output }` with rc 0, or -6 (ENXIO) when nothing
   * matches.
   */
  query(section: string | undefined, callOptions = 0): { rc: number; output?: XmlElement } {
    const isXpath = (callOptions & CibCallOptions.XPATH) !== 0;
    const path = isXpath ? section : SECTION_PATHS[section ?? 'cib'];
    if (!path) return { rc: ENXIO };
    let found: xpath.SelectReturnType;
    try {
      found = xpath.select(path, this.#current() as unknown as Node);
    } catch (err) {
      debug('bad xpath %s: %s', path, (err as Error).message);
      return { rc: ENXIO };
    }
    const nodes = (Array.isArray(found) ? found : []).filter((n) => n.nodeType === 1) as unknown as DomElement[];
    if (nodes.length === 0) return { rc: ENXIO };
    const shallow = (callOptions & CibCallOptions.NO_CHILDREN) !== 0;
    const out = nodes.map((n) => {
      const e = toXmlElement(n);
      return shallow ? { ...e, children: [] } : e;
    });
    if (!isXpath || out.length === 1) return { rc: 0, output: out[0] as XmlElement };
    return { rc: 0, output: el('xpath-query', {}, out) };
  }

  async #schemas(request: XmlElement): Promise<{ rc: number; output?: XmlElement }> {
    if (!this.#schemaDirectory) return { rc: EOPNOTSUPP };
    const after = request.children.find((c) => c.name === 'cib_calldata')?.children[0]?.attrs.version;
    if (!after) return { rc: EPROTO };
    try {
      return { rc: 0, output: await schemasAfter(this.#schemaDirectory, after) };
    } catch (err) {
      debug('cannot read schemas from %s: %s', this.#schemaDirectory, (err as Error).message);
      return { rc: EIO };
    }
  }

  #handle(request: RelayRequest, clientId: string): XmlElement | undefined | Promise<XmlElement> {
    const m = request.message;
    const op = m.attrs.cib_op ?? '';
    if (op === 'register') {
      return el('cib_common_callback_worker', { cib_op: 'register', cib_clientid: clientId });
    }
    if (op === 'cib_notify') {
      return request.expectsResponse ? el('ack', { function: 'cib_common_callback_worker', line: 0, status: 0 }) : undefined;
    }
    const callOptions = Number.parseInt(m.attrs.cib_callopt ?? '0', 10) || 0;
    const reply = ({ rc, output }: { rc: number; output?: XmlElement | undefined }) =>
      el(
        'cib-reply',
        { t: 'cib', cib_op: op, cib_callid: m.attrs.cib_callid, cib_clientid: clientId, cib_callopt: callOptions, cib_rc: rc },
        output ? [el('cib_calldata', {}, [output])] : [],
      );
    if (op === 'cib_query') return reply(this.query(m.attrs.cib_section, callOptions));
    if (op === 'cib_schemas') return this.#schemas(m).then(reply);
    debug('refusing CIB %s (read-only relay)', op);
    return reply({ rc: EACCES });
  }
}

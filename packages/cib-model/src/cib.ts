/**
 * `Cib`: a parsed CIB document and the model derived from it.
 */
import { CibModelError, CibModelErrorCodes } from './errors.js';
import type { Diagnostic, NodeState, RemoteNodeSpec } from './types.js';
import { parseXml, serializeXml, type XmlElement, type XmlParseLimits } from './parse/xml-tree.js';
import { deriveRemoteNodes, type RemoteNodeDerivation } from './derive/remote-nodes.js';
import { deriveNodeStates } from './derive/node-states.js';
import { isPacemakerVersion, pacemakerVersionFromFeatureSet } from './derive/scheduler-version.js';
import { validateCib } from './validate/index.js';

/** Options of {@link parseCib}. */
export interface ParseCibOptions extends XmlParseLimits {}

/** A parsed CIB. Immutable: builders return a new `Cib`. */
export class Cib {
  /** The document tree (treat as read-only; builders clone it). */
  readonly document: XmlElement;

  private derivation: RemoteNodeDerivation | undefined;
  private nodeStatesCache = new Map<string, NodeState[]>();
  private diagnosticsCache: Diagnostic[] | undefined;

  private constructor(document: XmlElement) {
    this.document = document;
  }

  /** The derivation behind {@link remoteNodes} and {@link validate}, computed once. */
  private derive(): RemoteNodeDerivation {
    this.derivation ??= deriveRemoteNodes(this.document);
    return this.derivation;
  }

  /**
   * Wraps a document tree whose root is `<cib>`.
   * @throws {@link CibModelError} `PCMK_CIB_NOT_A_CIB`
   */
  static fromDocument(document: XmlElement): Cib {
    if (document.name !== 'cib') {
      throw new CibModelError(CibModelErrorCodes.NOT_A_CIB, `The root element is <${document.name}>, not <cib>`);
    }
    return new Cib(document);
  }

  /**
   * Remote, guest and bundle nodes with their connection parameters, as Pacemaker 2.1.5 derives them
   * (see the package README, "Reading"), in document order; one entry per node name. Each call returns
   * fresh copies of the cached result.
   */
  remoteNodes(): RemoteNodeSpec[] {
    return this.derive().nodes.map((n) => ({ ...n }));
  }

  /**
   * Every node (cluster, remote, guest) with its state as `crm_mon` of Pacemaker `pacemakerVersion` shows
   * it. By default the version the CIB's `crm_feature_set` stands for (the DC that last wrote it; see
   * {@link pacemakerVersionFromFeatureSet}): 3.0.3+ read `fencing-enabled`, older versions do not.
   * @throws CibModelError `INVALID_ARGUMENT` when `pacemakerVersion` does not look like `3.0.3`
   */
  nodeStates(options: { pacemakerVersion?: string } = {}): NodeState[] {
    const { pacemakerVersion } = options;
    if (pacemakerVersion !== undefined && !isPacemakerVersion(pacemakerVersion)) {
      throw new CibModelError(CibModelErrorCodes.INVALID_ARGUMENT, `pacemakerVersion must look like "3.0.3", got ${JSON.stringify(pacemakerVersion)}`);
    }
    const version = pacemakerVersion ?? pacemakerVersionFromFeatureSet(this.document.attrs['crm_feature_set']);
    let states = this.nodeStatesCache.get(version);
    if (states === undefined) {
      states = deriveNodeStates(this.document, this.derive().nodes, { pacemakerVersion: version });
      this.nodeStatesCache.set(version, states);
    }
    return states.map((n) => ({ ...n }));
  }

  /**
   * Problems with stable codes (`PCMK_CIB_...`, see `DiagnosticCodes`): rule violations and values
   * Pacemaker would reject or replace (bad ports and durations, rules that were not evaluated).
   */
  validate(): Diagnostic[] {
    const diagnostics = (this.diagnosticsCache ??= validateCib(this.document, this.derive()));
    return diagnostics.map((d) => ({ ...d, ids: [...d.ids] }));
  }

  /** The document as XML. */
  toXml(): string {
    return serializeXml(this.document);
  }
}

/**
 * Parses a CIB (what `cibadmin --query` prints).
 * @throws {@link CibModelError} `PCMK_CIB_XML_PARSE`, `PCMK_CIB_NOT_A_CIB`, `PCMK_CIB_TOO_LARGE`
 */
export function parseCib(xml: string, options: ParseCibOptions = {}): Cib {
  return Cib.fromDocument(parseXml(xml, options));
}

/**
 * `Cib`: a parsed CIB document and the model derived from it.
 */
import { CibModelError, CibModelErrorCodes } from './errors.js';
import type { Diagnostic, NodeState, RemoteNodeSpec } from './types.js';
import { parseXml, serializeXml, type XmlElement, type XmlParseLimits } from './parse/xml-tree.js';

/** Options of {@link parseCib}. */
export interface ParseCibOptions extends XmlParseLimits {}

/** A parsed CIB. Immutable: builders return a new `Cib`. */
export class Cib {
  /** The document tree (treat as read-only; builders clone it). */
  readonly document: XmlElement;

  private constructor(document: XmlElement) {
    this.document = document;
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

  /** Remote and guest nodes with their connection parameters. TODO(reading) */
  remoteNodes(): RemoteNodeSpec[] {
    return [];
  }

  /** Every node (cluster, remote, guest) with its state as `crm_mon` shows it. TODO(reading) */
  nodeStates(): NodeState[] {
    return [];
  }

  /** Rule violations with stable codes. TODO(reading) */
  validate(): Diagnostic[] {
    return [];
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

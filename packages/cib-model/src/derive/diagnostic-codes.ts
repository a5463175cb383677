/**
 * Stable codes of the diagnostics `Cib.validate()` returns. Match on these, never on messages.
 * @packageDocumentation
 */
export const DiagnosticCodes = {
  /** A `remote-node` value equals the id of a resource, or the id or uname of a cluster node. */
  REMOTE_NODE_NAME_CONFLICT: 'PCMK_CIB_REMOTE_NODE_NAME_CONFLICT',
  /** An `ocf:pacemaker:remote` primitive inside a group (Pacemaker creates no remote node for it). */
  REMOTE_IN_GROUP: 'PCMK_CIB_REMOTE_IN_GROUP',
  /** An `ocf:pacemaker:remote` primitive inside a clone or bundle (no remote node either). */
  REMOTE_IN_CLONE: 'PCMK_CIB_REMOTE_IN_CLONE',
  /** A remote connection resource used in a colocation or order constraint (directly or in a set). */
  REMOTE_IN_CONSTRAINT: 'PCMK_CIB_REMOTE_IN_CONSTRAINT',
  /** Two nodes (cluster, remote, guest or bundle) with the same name. */
  DUPLICATE_NODE_NAME: 'PCMK_CIB_DUPLICATE_NODE_NAME',
  /** A port that is not a number 1-65535 (`port`, `remote-port`, `control-port`). */
  INVALID_PORT: 'PCMK_CIB_INVALID_PORT',
  /** A duration that does not parse (`reconnect_interval`, `remote-connect-timeout`, an op `timeout`). */
  INVALID_DURATION: 'PCMK_CIB_INVALID_DURATION',
  /** `remote-node` on a resource that cannot host a guest node (Pacemaker ignores it or misbehaves). */
  GUEST_CONTAINER_INVALID: 'PCMK_CIB_GUEST_CONTAINER_INVALID',
  /** An empty `remote-node` value. */
  INVALID_NODE_NAME: 'PCMK_CIB_INVALID_NODE_NAME',
  /** A rule that decides a value this model needs could not be evaluated (node attributes, dates). */
  RULE_NOT_EVALUATED: 'PCMK_CIB_RULE_NOT_EVALUATED',
  /** Guest meta attributes in a block with a rule or reached by `id-ref`: Pacemaker 2.1.5 reads the raw
   * `nvpair`s of every `meta_attributes` block of the primitive, without rules or references. */
  GUEST_META_NOT_EXPANDED: 'PCMK_CIB_GUEST_META_NOT_EXPANDED',
  /** A bundle Pacemaker refuses: no docker/podman/rkt element, or a primitive without `ip-range-start` or
   * `control-port`. */
  BUNDLE_INVALID: 'PCMK_CIB_BUNDLE_INVALID',
  /** `ip-range-start` gives no address for a replica (not IPv4, or the range runs out). */
  BUNDLE_IP_RANGE: 'PCMK_CIB_BUNDLE_IP_RANGE',
  /** A connection resource active on more than one node according to the status section. */
  CONNECTION_MULTIPLE_ACTIVE: 'PCMK_CIB_CONNECTION_MULTIPLE_ACTIVE',
} as const;

/** One of the values of {@link DiagnosticCodes}. */
export type DiagnosticCode = (typeof DiagnosticCodes)[keyof typeof DiagnosticCodes];

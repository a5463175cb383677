/** Errors of the real-cluster test fixture, with a stable `code`. */
export type ClusterFixtureErrorCode =
  | 'ERR_CLUSTER_STACK_MISSING'
  | 'ERR_CLUSTER_NOT_ROOT'
  | 'ERR_CLUSTER_SETUP'
  | 'ERR_CLUSTER_TIMEOUT'
  | 'ERR_CLUSTER_EXEC'
  | 'ERR_CLUSTER_ARGUMENT'
  | 'ERR_CLUSTER_STOPPED';

export class ClusterFixtureError extends Error {
  override name = 'ClusterFixtureError';
  constructor(
    readonly code: ClusterFixtureErrorCode,
    message: string,
  ) {
    super(message);
  }
}

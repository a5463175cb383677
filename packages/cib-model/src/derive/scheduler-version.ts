/**
 * Which Pacemaker's scheduler semantics `nodeStates()` follows. The node states a cluster shows depend on
 * the Pacemaker version that runs its scheduler, not only on the CIB: the same CIB reads differently on
 * 2.1.5 and on 3.0.3. The one difference met on the 108 CTS scheduler inputs is an option name: 3.0.3 reads
 * `fencing-enabled` (the new name of `stonith-enabled`), 2.1.5 and 3.0.0 ignore it and keep fencing on, so
 * never-seen nodes are "UNCLEAN (offline)" there and offline remote nodes of an unmanaged bundle are
 * unpacked (and shown in maintenance) only there.
 *
 * Versions compared against the real tools: 2.1.5, 3.0.0 (the older semantics) and 3.0.3 (the newer).
 * 3.0.1 and 3.0.2 were not available to compare; they get the older semantics.
 * @packageDocumentation
 */

/** The switches of one scheduler version. */
export interface SchedulerFeatures {
  /** The version the switches were derived from. */
  version: string;
  /** `fencing-enabled` is read (and wins over `stonith-enabled`). */
  fencingEnabledOption: boolean;
}

function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map((x) => Number.parseInt(x, 10) || 0);
  const pb = b.split('.').map((x) => Number.parseInt(x, 10) || 0);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** Whether `version` looks like a Pacemaker version (`2.1.5`, `3.0.3`). */
export function isPacemakerVersion(version: unknown): version is string {
  return typeof version === 'string' && /^\d+\.\d+(\.\d+)?$/.test(version);
}

/** The scheduler switches of Pacemaker `version`. */
export function schedulerFeatures(version: string): SchedulerFeatures {
  return { version, fencingEnabledOption: compareVersions(version, '3.0.3') >= 0 };
}

/**
 * The Pacemaker version a CIB's `crm_feature_set` stands for, as far as the scheduler semantics go:
 * `3.20.5` and later (written by 3.0.3+) → `3.0.3`; `3.20.0`–`3.20.4` → `3.0.0`; older or missing → `2.1.5`.
 *
 * The feature set is that of the DC that last wrote the CIB, so for a live cluster's CIB it names the
 * version that runs the scheduler. It cannot for a CIB edited by hand or kept from an older cluster:
 * the CTS scheduler inputs, for one, carry the feature sets of the 1.1/2.x clusters they were captured on
 * while their configuration uses 3.0 option names. Pass the version explicitly then.
 */
export function pacemakerVersionFromFeatureSet(featureSet: string | undefined): string {
  if (featureSet === undefined || !/^\d+\.\d+(\.\d+)?$/.test(featureSet.trim())) return '2.1.5';
  const fs = featureSet.trim();
  if (compareVersions(fs, '3.20.5') >= 0) return '3.0.3';
  if (compareVersions(fs, '3.20.0') >= 0) return '3.0.0';
  return '2.1.5';
}

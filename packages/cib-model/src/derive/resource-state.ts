/**
 * Where resources are active according to the CIB status section, as Pacemaker 2.1.5's scheduler
 * decides it from each node's operation history (`lib/pengine/unpack.c`: `unpack_lrm_resource`,
 * `unpack_rsc_op`, `process_rsc_state`; see {@link unpackHistory}): the entries are replayed in call-id
 * order; start, promote, migrate_from and successful monitors (rc 0/8) make a resource active, a
 * successful stop or an rc 7 result (probe or expected) makes it inactive, failed operations leave it
 * active (except failed probes with rc 5/2, which mean "not installed"), pending starts/promotes count as
 * active, a migration in progress counts on both nodes, and histories behind remote/guest nodes are read
 * only when Pacemaker would read them.
 * @packageDocumentation
 */
import type { XmlElement } from '../parse/xml-tree.js';
import { runStatusEngine, type EngineOptions } from './status-engine.js';
import { Role } from './status-history.js';

/**
 * Resource id -> names of the nodes on which it is active. Clone instances (`rsc:N` or anonymous) are
 * reported under the history's id and also under the primitive's id; each list is in the order the
 * histories were read.
 */
export function activeResourceLocations(cib: XmlElement, options: EngineOptions = {}): Map<string, string[]> {
  const result = runStatusEngine(cib, options);
  const out = new Map<string, string[]>();
  const add = (id: string, node: string): void => {
    const list = out.get(id);
    if (list === undefined) out.set(id, [node]);
    else if (!list.includes(node)) list.push(node);
  };
  for (const rt of result.runtimes) {
    if (rt.role === Role.Unknown && rt.runningOn.length === 0) continue;
    for (const node of rt.runningOn) {
      add(rt.rsc.id, node);
      for (const alias of rt.aliases) add(alias, node);
    }
  }
  return out;
}

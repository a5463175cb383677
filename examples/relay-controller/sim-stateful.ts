/**
 * A simulated `ocf:pacemaker:Stateful` for the simulated nodes of this example: it keeps its role per
 * resource and, like the real agent, publishes its promotion score with `crm_attribute --promotion`
 * (5 unpromoted, 10 promoted, deleted on stop), run as a simulated tool on the node, so the score travels
 * through the daemon's IPC relay to whoever owns the node.
 *
 * (Simulated agents answer at once; the score follows through the relay a moment later.)
 */
import type { AgentContext, AgentScript, SimulatedRemoteDaemon } from '@pcmk-remote/simulator';

type Role = 'stopped' | 'unpromoted' | 'promoted';

export function simulatedStateful(sim: SimulatedRemoteDaemon): AgentScript {
  const roles = new Map<string, Role>();
  const score = (ctx: AgentContext, value: number | undefined) => {
    const env = { OCF_RESOURCE_INSTANCE: ctx.resource, OCF_RESKEY_CRM_meta_on_node: ctx.params.CRM_meta_on_node ?? sim.nodeName };
    const args = value === undefined ? ['-D'] : ['-v', String(value)];
    void sim.runTool(['crm_attribute', '--promotion', ...args], env);
  };
  const become = (ctx: AgentContext, role: Role) => {
    roles.set(ctx.resource, role);
    score(ctx, role === 'promoted' ? 10 : role === 'unpromoted' ? 5 : undefined);
    return { rc: 0 };
  };
  return {
    start: (ctx) => (roles.get(ctx.resource) === 'promoted' ? { rc: 8 } : become(ctx, 'unpromoted')),
    promote: (ctx) => become(ctx, 'promoted'),
    demote: (ctx) => become(ctx, 'unpromoted'),
    stop: (ctx) => become(ctx, 'stopped'),
    monitor: (ctx) => {
      const role = roles.get(ctx.resource) ?? 'stopped';
      if (role === 'stopped') return { rc: 7 };
      // Probes restore the score, as the real agent does.
      if (ctx.intervalMs === 0) score(ctx, role === 'promoted' ? 10 : 5);
      return { rc: role === 'promoted' ? 8 : 0 };
    },
    'meta-data': { rc: 0, output: '<resource-agent name="Stateful"/>' },
    '*': { rc: 0 },
  };
}

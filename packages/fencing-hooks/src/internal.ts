/**
 * `@pcmk-remote/fencing-hooks/internal`: building blocks of the fencers that this package's own tests use.
 * NOT a stable API: anything here may change or disappear in any release, without notice. Use the package
 * root instead.
 *
 * @packageDocumentation
 */
export { AGENT_ACTIONS, buildAgentStdin } from './fencers/agent-stdin.js';
export { STONITH_ADMIN_FLAGS } from './fencers/stonith-admin-fencer.js';

/** Agent meta-data through a session: a composite of register, exec and unregister. */
import { randomUUID } from 'node:crypto';
import { ErrorCodes, RemoteConnError } from '../errors.js';
import { unescapeLegacyNewlines, type ResourceDefinition } from '../messages/index.js';
import type { RequestOptions } from './events.js';
import type { RemoteSession } from './remote-session.js';

/** True for executor protocol versions before 1.2 (2.1.5–2.1.7), which escape newlines in output. */
export function usesLegacyEscaping(protocolVersion: string): boolean {
  const [maj = 0, min = 0] = protocolVersion.split('.').map((x) => Number.parseInt(x, 10));
  return maj < 1 || (maj === 1 && min < 2);
}

/** See {@link RemoteSession.metadata}. */
export async function agentMetadata(
  session: RemoteSession,
  agent: Omit<ResourceDefinition, 'id'>,
  options: RequestOptions & { timeoutMs?: number },
): Promise<string> {
  const id = `pcmk-remote-metadata-${randomUUID()}`;
  await session.registerResource({ ...agent, id }, options);
  try {
    const r = await session.exec({ resource: id, action: 'meta-data', timeoutMs: options.timeoutMs ?? 10_000, ...(options.signal ? { signal: options.signal } : {}) });
    if (r.opStatus !== 0 || r.rc !== 0) {
      throw new RemoteConnError(
        ErrorCodes.OPERATION_FAILED,
        `meta-data of ${agent.standard}:${agent.provider ? `${agent.provider}:` : ''}${agent.type} failed: rc ${r.rc}, status ${r.opStatus}${r.exitReason ? ` (${r.exitReason})` : ''}`,
        { details: { op: 'meta-data', rc: r.rc, opStatus: r.opStatus } },
      );
    }
    const out = r.output ?? '';
    return usesLegacyEscaping(session.protocolVersion) ? unescapeLegacyNewlines(out) : out;
  } finally {
    if (!session.closed) await session.unregisterResource(id).catch(() => undefined);
  }
}

/**
 * The `up` phase of a node connection: liveness pokes every `monitorIntervalMs`, and how the session ends
 * (loss, monitor timeout, graceful shutdown of the daemon, takeover by another client, or our stop).
 */
import createDebug from 'debug';
import type { EventEmitter } from 'eventemitter3';
import { ErrorCodes, RemoteConnError, isRemoteConnError } from '../errors.js';
import type { RemoteSession, SessionCloseEvent } from '../session/remote-session.js';
import type { RelayErrorEvent } from '../relay/types.js';
import { connectFailureReason } from './failures.js';
import type { Resolved } from './options.js';
import type { NodeConnectionEvents, NodeDownReason, NodeState } from './types.js';

const debug = createDebug('pcmk-remote:conn');

/** How an up session ended. */
export interface Loss {
  reason: NodeDownReason;
  error?: RemoteConnError;
}

/** What {@link runUp} needs of its node connection. */
export interface UpNode {
  readonly options: Resolved;
  emit: EventEmitter<NodeConnectionEvents>['emit'];
  listenerCount: EventEmitter<NodeConnectionEvents>['listenerCount'];
  setState(to: NodeState): void;
  /** True when a takeover was announced (`expectTakeover()`). */
  takeoverExpected(): boolean;
  recordRtt(ms: number): void;
  /** The session is gone (not by a stop): the node no longer offers it. */
  sessionEnded(session: RemoteSession): void;
}

/** Monitors an up session until it is lost (or the lifecycle is stopped). */
export function runUp(session: RemoteSession, signal: AbortSignal, node: UpNode): Promise<Loss> {
  const o = node.options;
  return new Promise<Loss>((resolve) => {
    let settled = false;
    let timer: NodeJS.Timeout | undefined;
    let draining = false;
    let takeover = false;
    const finish = (loss: Loss) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      session.off('close', onClose);
      session.off('new-client', onNewClient);
      session.off('shutdown-request', onShutdown);
      session.off('relay-error', onRelayError);
      // On stop the lifecycle closes the session itself (TLS close_notify).
      if (loss.reason !== 'stopped') node.sessionEnded(session);
      resolve(loss);
    };
    const onAbort = () => finish({ reason: 'stopped' });
    const onClose = (ev: SessionCloseEvent) => {
      if (takeover) return finish({ reason: 'takeover' });
      if (draining || ev.afterShutdownRequest) {
        // A graceful stop of the daemon; a close error here (2.1.5 exits without close_notify) is not a failure.
        return finish({ reason: 'shutdown' });
      }
      const e = ev.error;
      if (!e) return finish({ reason: 'connection-lost' });
      const reason = connectFailureReason(e);
      finish({ reason: reason === 'protocol-error' ? 'protocol-error' : 'connection-lost', error: e });
    };
    const onNewClient = () => {
      const expected = node.takeoverExpected();
      node.emit('takeover', { node: o.name, expected });
      debug('%s: %s takeover by another client; disconnecting', o.name, expected ? 'expected' : 'unexpected');
      takeover = true;
      void session.close();
    };
    const onShutdown = (req: { ack(): Promise<boolean>; nack(): Promise<boolean> }) => {
      draining = true;
      node.setState('draining');
      // After an ack the owner has moved the resources away: leave, as Pacemaker's controller does when it
      // stops the connection resource. 2.1.6+ daemons wait for their providers to disconnect before they
      // exit (2.1.5 exits at once, protocol.md §3.7). After a nack the daemon exits by itself.
      const ack = async () => {
        const sent = await req.ack();
        if (!settled) void session.close();
        return sent;
      };
      if (node.listenerCount('node-shutdown-request') === 0) {
        void (o.managed ? ack() : req.nack());
        return;
      }
      node.emit('node-shutdown-request', { node: o.name, ack, nack: () => req.nack() });
    };
    const onRelayError = (e: RelayErrorEvent) => node.emit('relay-error', e);
    const schedule = () => {
      if (o.monitorIntervalMs === 0 || settled) return;
      timer = setTimeout(() => {
        session.poke({ timeoutMs: o.monitorTimeoutMs }).then(
          ({ rttMs }) => {
            if (settled) return;
            node.recordRtt(rttMs);
            node.emit('monitor', { node: o.name, at: Date.now(), rttMs });
            schedule();
          },
          (err: unknown) => {
            if (settled) return;
            if (isRemoteConnError(err, ErrorCodes.REQUEST_TIMEOUT)) {
              const e = new RemoteConnError(ErrorCodes.REQUEST_TIMEOUT, `Remote executor on ${o.name} did not respond to a poke within ${o.monitorTimeoutMs} ms`, { cause: err });
              session.destroy();
              finish({ reason: 'monitor-timeout', error: e });
            }
            // CLOSED: the close handler reports it.
          },
        );
      }, o.monitorIntervalMs);
    };
    session.on('close', onClose);
    session.on('new-client', onNewClient);
    session.on('shutdown-request', onShutdown);
    session.on('relay-error', onRelayError);
    signal.addEventListener('abort', onAbort, { once: true });
    // stop() may have been called between start() resolving and this point.
    if (signal.aborted) onAbort();
    else if (session.closed) onClose({ afterShutdownRequest: false, local: false });
    else schedule();
  });
}

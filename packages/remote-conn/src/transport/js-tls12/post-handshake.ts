/**
 * Records after the js-tls12 handshake: application data is delivered; a HelloRequest is refused (we never
 * renegotiate; RFC 5746 §4.2 allows refusing with a warning alert); anything else is a fatal fault.
 */
import { tlsFault } from './alerts.js';
import { HandshakeType, type HandshakeBuffer } from './handshake-messages.js';
import { ContentType, type TlsRecord } from './record-layer.js';

/** Handles one record of an established connection; throws a TLS fault for what must not come. */
export function recordAfterHandshake(
  rec: TlsRecord,
  postHandshake: HandshakeBuffer,
  on: { data(fragment: Buffer): void; refuseRenegotiation(): void },
): void {
  switch (rec.type) {
    case ContentType.application_data:
      if (rec.fragment.length > 0) on.data(rec.fragment);
      return;
    case ContentType.handshake:
      postHandshake.push(rec.fragment);
      for (let m = postHandshake.next(); m; m = postHandshake.next()) {
        if (m.type !== HandshakeType.hello_request || m.body.length !== 0) {
          throw tlsFault('unexpected_message', `handshake message ${m.type} after the handshake`);
        }
        on.refuseRenegotiation();
      }
      return;
    default:
      throw tlsFault('unexpected_message', `content type ${rec.type} after the handshake`);
  }
}

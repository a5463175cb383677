/**
 * The session and lifecycle conformance suites over a 4096-byte authkey (what Pacemaker's documentation
 * tells users to generate) against each real pacemaker-remoted of the version matrix (2.1.5, 3.0.0, 3.0.3).
 * Keys over 512 bytes go through the js-tls12 engine; the suites assert the engine.
 */
import { defineLifecycleSuite } from '../conformance/lifecycle-suite.js';
import { defineSessionSuite } from '../conformance/session-suite.js';
import { DAEMON_VERSIONS } from '../support/real-daemon.js';
import { realTargetFor } from '../support/real-target.js';

for (const version of DAEMON_VERSIONS) {
  defineSessionSuite(`real pacemaker-remoted ${version}, 4096-byte key`, realTargetFor(version), { keyBytes: 4096 });
  defineLifecycleSuite(`real pacemaker-remoted ${version}, 4096-byte key`, realTargetFor(version), { keyBytes: 4096 });
}

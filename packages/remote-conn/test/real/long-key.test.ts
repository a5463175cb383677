/**
 * The session and lifecycle conformance suites over a 4096-byte authkey (what Pacemaker's documentation
 * tells users to generate) against Debian's real pacemaker-remoted 2.1.5. Keys over 512 bytes go through
 * the js-tls12 engine; the suites assert the engine.
 */
import { defineLifecycleSuite } from '../conformance/lifecycle-suite.js';
import { defineSessionSuite } from '../conformance/session-suite.js';
import { realTarget } from '../support/real-target.js';

defineSessionSuite('real pacemaker-remoted, 4096-byte key', realTarget, { keyBytes: 4096 });
defineLifecycleSuite('real pacemaker-remoted, 4096-byte key', realTarget, { keyBytes: 4096 });

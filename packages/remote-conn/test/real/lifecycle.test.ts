/**
 * The RemoteNodeConnection lifecycle suite against each real pacemaker-remoted of the version matrix
 * (2.1.5, 3.0.0, 3.0.3): kill, restart, SIGSTOP, SIGTERM and a second client are real.
 */
import { defineLifecycleSuite } from '../conformance/lifecycle-suite.js';
import { DAEMON_VERSIONS } from '../support/real-daemon.js';
import { realTargetFor } from '../support/real-target.js';

for (const version of DAEMON_VERSIONS) defineLifecycleSuite(`real pacemaker-remoted ${version}`, realTargetFor(version));

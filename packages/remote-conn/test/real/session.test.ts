/**
 * The RemoteSession conformance suite against each real pacemaker-remoted of the version matrix: Debian
 * 12's 2.1.5 on the host, 3.0.0 (trixie) and 3.0.3 (sid) from the chroots of scripts/peers.sh.
 */
import { defineSessionSuite } from '../conformance/session-suite.js';
import { DAEMON_VERSIONS } from '../support/real-daemon.js';
import { realTargetFor } from '../support/real-target.js';

for (const version of DAEMON_VERSIONS) defineSessionSuite(`real pacemaker-remoted ${version}`, realTargetFor(version));

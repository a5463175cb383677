/**
 * The RemoteSession conformance suite against Debian's real pacemaker-remoted 2.1.5.
 */
import { defineSessionSuite } from '../conformance/session-suite.js';
import { realTarget } from '../support/real-target.js';

defineSessionSuite('real pacemaker-remoted', realTarget);

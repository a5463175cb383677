/**
 * The RemoteNodeConnection lifecycle suite against Debian's real pacemaker-remoted 2.1.5 (kill, restart,
 * SIGSTOP, SIGTERM and a second client are real).
 */
import { defineLifecycleSuite } from '../conformance/lifecycle-suite.js';
import { realTarget } from '../support/real-target.js';

defineLifecycleSuite('real pacemaker-remoted', realTarget);

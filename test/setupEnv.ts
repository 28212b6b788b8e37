// orch's daemon (docs/daemon.md) starts on demand outside CI: the orch processes tests start run
// in their own process unless a test asks for the daemon (ORCH_DAEMON=1, test/daemon/).
process.env.ORCH_DAEMON = '0';

// seeds/002, Shutdown: runs once when a Session ends (logout, timeout, project stopped, gateway stopping).
export default function (session: Flint.Session) {
  system.util.getLogger('Session').info(`Session ${session.props.id} ended; it started at ${String(session.custom.startedAt)}`);
}

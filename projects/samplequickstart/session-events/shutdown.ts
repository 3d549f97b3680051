// seeds/002, Shutdown: runs once when a Session ends (logout, timeout, project stopped, gateway stopping). Logs the
// Session end time in the database (the seed's Shutdown Query, named-queries/Shutdown Query.sql).
export default function (session: Flint.Session) {
  // Log the Session end time.
  const queryParams = { sessionID: session.props.id };
  system.db.runNamedQuery('samplequickstart', 'Shutdown Query', queryParams);
  system.util.getLogger('Session').info(`Session ${session.props.id} ended; it started at ${String(session.custom.startedAt)}`);
}

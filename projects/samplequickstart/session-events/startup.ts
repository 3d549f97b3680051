// seeds/002, Startup: runs when a Session starts. Logs the Session start time in the database (the seed's Startup
// Query, named-queries/Startup Query.sql, into the sessions table the gateway startup script creates), and keeps it as
// a custom session property too.
export default function (session: Flint.Session) {
  // Log the Session start time.
  const queryParams = { sessionID: session.props.id };
  system.db.runNamedQuery('samplequickstart', 'Startup Query', queryParams);
  session.custom.startedAt = new Date().toISOString();
  system.util.getLogger('Session').info(`Session ${session.props.id} started for ${session.props.userName ?? 'anonymous'}`);
}

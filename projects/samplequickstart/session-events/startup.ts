// seeds/002, Startup: runs when a Session starts. (The seed logs the start time with a named query; named queries
// arrive with the tags and database issue, so this one logs it and keeps it as a custom session property.)
export default function (session: Flint.Session) {
  session.custom.startedAt = new Date().toISOString();
  system.util.getLogger('Session').info(`Session ${session.props.id} started for ${session.props.userName ?? 'anonymous'}`);
}

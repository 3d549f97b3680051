// Runs when the project loads (gateway start, project added or enabled, sandbox rebuilt). It creates the sessions
// table that the Session Startup and Shutdown scripts record sessions in (seeds/002), if it is not there yet.
export default function () {
  system.db.runNamedQuery('samplequickstart', 'Create Sessions Table');
  system.util.getLogger('samplequickstart').info('Sample quick start project is up');
}

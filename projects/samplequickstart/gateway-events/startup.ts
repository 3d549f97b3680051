// Runs when the project loads (gateway start, project added or enabled, sandbox rebuilt).
export default function () {
  system.util.getLogger('samplequickstart').info('Sample quick start project is up');
}

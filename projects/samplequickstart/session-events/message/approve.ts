// Starts an authentication challenge for an action that needs a supervisor (see session-events/auth-challenge.ts).
export default function (session: Flint.Session, payload: JsonObject) {
  return system.perspective.authenticationChallenge({ action: payload.action ?? 'release batch' }, 1);
}

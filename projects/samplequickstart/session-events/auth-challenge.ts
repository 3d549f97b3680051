// seeds/002, Authentication Challenge example: the action goes ahead only if the user who answered the challenge has
// the supervisor role; otherwise, and for every kind of error, the result is logged. The approve message handler
// starts a challenge; the session page shows its prompt.
export default function (session: Flint.Session, payload: JsonValue, result: Flint.AuthChallengeResult) {
  const logger = system.util.getLogger('Authentication Challenge');
  if (result.isSuccess()) {
    const context = result.getAsSuccess().getContext();
    const user = context.user;
    if (user.roles.includes('supervisor')) {
      session.custom.approved = { action: payload, by: user.userName };
      logger.info(`${user.userName} approved ${JSON.stringify(payload)}`);
    } else logger.info(`${user.userName} is not authorized`);
  } else {
    const error = result.getAsError();
    if (error.isGeneric()) logger.info(`Generic error: ${error.getAsGeneric().getMessage()}`);
    else if (error.isTimeout()) logger.info(`Timed out after ${error.getAsTimeout().getTimeout()} minutes`);
    else if (error.isCancelled()) logger.info('The user cancelled the challenge');
  }
}

// Greets every session of one user: system.perspective.getSessionInfo finds them, and system.util.sendMessage
// reaches their session message handler myMessage (scope "S"). Try it: npx flint request samplequickstart greetUser '{"user":"alice"}'
export default function (payload: { user: string }) {
  const sessions = system.perspective.getSessionInfo(payload.user);
  system.util.sendMessage('samplequickstart', 'myMessage', { message: `Hello ${payload.user}` }, { scope: 'S', user: payload.user });
  return { greeted: sessions.map((s) => s.id) };
}

import { stamp } from '../../lib/format';

// Try it: npx flint request samplequickstart echo '{"message":"hello"}'
export default function (payload: { message?: string }) {
  const message = payload.message ?? '(no message)';
  system.util.getLogger('echo').infof('echoing %s', message);
  return { echo: message, at: stamp(message) };
}

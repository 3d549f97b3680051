/**
 * The catalogue of events a project's scripts handle, with their parameters in the seeds' order
 * (seeds/002 for Session Events). File locations are in engine/projects/resources.ts; the types named
 * here are declared in EVENT_TYPES and end up in docs/system.d.ts.
 */

export interface EventParam {
  name: string;
  /** TypeScript type, as written in system.d.ts. */
  ts: string;
  doc: string;
}

export type EventScope = 'gateway' | 'session' | 'component';

export interface EventDecl {
  scope: EventScope;
  /** Matches the resource's `event` in engine/projects/resources.ts. */
  event: string;
  /** Name of the handler type in system.d.ts, under the `Flint` namespace. */
  typeName: string;
  params: EventParam[];
  returns: string;
  doc: string;
}

const session: EventParam = { name: 'session', ts: 'Session', doc: 'The Perspective Session; `session.props` and `session.custom` hold its properties.' };
const page: EventParam = { name: 'page', ts: 'Page', doc: 'The page; `page.props.pageId`, `page.props.path`, and `page.session`.' };
const context: EventParam = { name: 'context', ts: 'JsonObject', doc: 'The user-defined context object of the action.' };

export const EVENTS: EventDecl[] = [
  { scope: 'gateway', event: 'startup', typeName: 'GatewayStartupHandler', params: [], returns: 'void', doc: 'Runs when the project loads: gateway start, project added or enabled, or its sandbox rebuilt.' },
  { scope: 'gateway', event: 'shutdown', typeName: 'GatewayShutdownHandler', params: [], returns: 'void', doc: 'Runs when the project unloads: gateway stop, project removed or disabled.' },
  {
    scope: 'gateway',
    event: 'message',
    typeName: 'GatewayMessageHandler',
    params: [{ name: 'payload', ts: 'JsonObject', doc: 'The payload passed to system.util.sendMessage or sendRequest.' }],
    returns: 'unknown',
    doc: 'A gateway message handler; its return value answers system.util.sendRequest.',
  },
  { scope: 'gateway', event: 'timer', typeName: 'GatewayTimerHandler', params: [], returns: 'void', doc: 'A gateway timer script; its sidecar sets the delay.' },
  {
    scope: 'gateway',
    event: 'tag-change',
    typeName: 'GatewayTagChangeHandler',
    params: [
      { name: 'initialChange', ts: 'boolean', doc: 'True for the first event after the script subscribes.' },
      { name: 'newValue', ts: 'QualifiedValue', doc: 'The new value with quality and timestamp.' },
      { name: 'previousValue', ts: 'QualifiedValue | null', doc: 'The previous value, or null on the initial change.' },
      { name: 'event', ts: 'TagChangeEvent', doc: 'The tag path that changed.' },
      { name: 'executionCount', ts: 'number', doc: 'How many times this script has run.' },
    ],
    returns: 'void',
    doc: 'A gateway tag change script; its sidecar lists the tag paths.',
  },
  { scope: 'session', event: 'startup', typeName: 'SessionStartupHandler', params: [session], returns: 'void', doc: 'Runs when a Session starts.' },
  { scope: 'session', event: 'shutdown', typeName: 'SessionShutdownHandler', params: [session], returns: 'void', doc: 'Runs when a Session ends (timeout, lost authorization, project removed).' },
  { scope: 'session', event: 'page-startup', typeName: 'PageStartupHandler', params: [page], returns: 'void', doc: 'Runs when a page starts in a new tab or window.' },
  {
    scope: 'session',
    event: 'auth-challenge',
    typeName: 'AuthChallengeHandler',
    params: [
      session,
      { name: 'payload', ts: 'JsonValue', doc: 'The opaque payload of the Authentication Challenge action.' },
      { name: 'result', ts: 'AuthChallengeResult', doc: 'The Result object: isSuccess(), getAsSuccess(), isError(), getAsError().' },
    ],
    returns: 'void',
    doc: 'Runs when a user completes an authentication challenge.',
  },
  {
    scope: 'session',
    event: 'message',
    typeName: 'SessionMessageHandler',
    params: [session, { name: 'payload', ts: 'JsonObject', doc: 'The payload of system.util.sendMessage.' }],
    returns: 'unknown',
    doc: 'A Session message handler, reached by system.util.sendMessage / sendRequest with scope "S".',
  },
  {
    scope: 'session',
    event: 'keystroke',
    typeName: 'KeystrokeHandler',
    params: [page, { name: 'event', ts: 'KeystrokeEvent', doc: 'The KeyboardEvent details, and `matches` for regex matches.' }],
    returns: 'void',
    doc: 'Runs when a Session detects a key event matching the sidecar (single key or regex).',
  },
  {
    scope: 'session',
    event: 'form-submission',
    typeName: 'FormSubmissionHandler',
    params: [
      session,
      { name: 'data', ts: 'JsonObject', doc: 'The submitted form data.' },
      { name: 'formContext', ts: 'JsonObject', doc: 'User-defined context of the submission.' },
      { name: 'sessionContext', ts: 'JsonObject', doc: 'Session data captured at submission: timestamp, user, device, location.' },
      { name: 'retry', ts: 'boolean', doc: 'True when this is a resubmission after a failure.' },
    ],
    returns: 'FormSubmissionResponse | void',
    doc: 'Runs when a form is submitted; the return value is the response shown to the user.',
  },
  {
    scope: 'session',
    event: 'barcode',
    typeName: 'BarcodeHandler',
    params: [session, { name: 'data', ts: 'BarcodeData', doc: '`data.text`, `data.timestamp`, `data.barcodeType`.' }, context],
    returns: 'void',
    doc: 'Runs when the mobile app scans a barcode.',
  },
  {
    scope: 'session',
    event: 'bluetooth',
    typeName: 'BluetoothHandler',
    params: [session, { name: 'data', ts: 'JsonObject', doc: 'Buffered advertising data: `data.values` (iBeacon, Eddystone, AltBeacon).' }],
    returns: 'void',
    doc: 'Runs when the mobile app receives Bluetooth advertising data.',
  },
  {
    scope: 'session',
    event: 'accelerometer',
    typeName: 'AccelerometerHandler',
    params: [session, { name: 'data', ts: 'JsonObject', doc: 'Batched readings: `data.values.data` rows with x, y, z.' }, context],
    returns: 'void',
    doc: 'Runs when batched accelerometer data arrives.',
  },
  {
    scope: 'session',
    event: 'nfc',
    typeName: 'NfcHandler',
    params: [session, { name: 'data', ts: 'JsonObject[]', doc: 'NDEF records: type, typeNameFormat, payload, string, bytes.' }, context],
    returns: 'void',
    doc: 'Runs when the mobile app scans an NFC tag.',
  },
  {
    scope: 'component',
    event: 'message',
    typeName: 'ComponentMessageHandler',
    params: [
      { name: 'self', ts: 'Component', doc: 'The component whose message handler runs.' },
      { name: 'payload', ts: 'JsonObject', doc: 'The payload of system.perspective.sendMessage.' },
    ],
    returns: 'void',
    doc: "A view component's message handler, reached by system.perspective.sendMessage.",
  },
];

/** Types the event parameters use, written into system.d.ts inside `namespace Flint`. */
export const EVENT_TYPES = `
interface Session {
  props: { id: string; [name: string]: unknown };
  custom: Record<string, unknown>;
}
interface Page {
  props: { pageId: string; path: string; [name: string]: unknown };
  session: Session;
}
interface Component {
  name: string;
  props: Record<string, unknown>;
  custom: Record<string, unknown>;
}
interface KeystrokeEvent {
  altKey: boolean; code: string; ctrlKey: boolean; isComposing: boolean; key: string;
  location: number; metaKey: boolean; repeat: boolean; shiftKey: boolean;
  /** For regex matches: the matched text, then each capture group. */
  matches: string[];
}
interface BarcodeData { text: string; timestamp: number; barcodeType?: string }
interface QualifiedValue { value: JsonValue; quality: string; timestamp: string }
interface TagChangeEvent { tagPath: string }
interface FormSubmissionResponse {
  success: boolean; title?: string; message?: string;
  fieldErrors?: Record<string, { title?: string; message?: string }>;
}
interface WebAuthUser {
  id: string; userName: string; firstName: string | null; lastName: string | null; email: string | null; roles: string[];
}
interface WebAuthUserContext { idp: string; securityZones: string[]; user: WebAuthUser; securityLevels: string[] }
interface AuthChallengeSuccess { getContext(): WebAuthUserContext }
interface AuthChallengeError {
  isGeneric(): boolean; getAsGeneric(): { getMessage(): string | null };
  isTimeout(): boolean; getAsTimeout(): { getTimeout(): number };
  isCancelled(): boolean; getAsCancelled(): {};
}
interface AuthChallengeResult {
  isSuccess(): boolean; getAsSuccess(): AuthChallengeSuccess;
  isError(): boolean; getAsError(): AuthChallengeError;
}
`;

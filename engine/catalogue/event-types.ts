/** Types of event parameters that are plain copies (the live objects are in live-objects.ts), written into system.d.ts inside `namespace Flint`. */
export const EVENT_TYPES = `
interface KeystrokeEvent {
  altKey: boolean; code: string; ctrlKey: boolean; isComposing: boolean; key: string;
  location: number; metaKey: boolean; repeat: boolean; shiftKey: boolean;
  /** For regex matches: the matched text, then each capture group. */
  matches: string[];
}
interface BarcodeData { text: string; timestamp: number; barcodeType?: string }
interface BluetoothAdvertisement {
  rssi: number; timestamp: number;
  manufacturerData?: { companyId: number; dataBase64Encoded: string };
  serviceUUIDs?: string[];
  serviceData?: { uuid: string; dataBase64Encoded: string };
  iBeacon?: { uuid: string; major: number; minor: number; txPower: number };
  eddystoneUID?: { txPower: number; namespaceID: string; instanceID: string };
  AltBeacon?: { manufacturerId: number; uuid: string; instance: string; txPower: number; manufacturerReserved: string };
}
interface BluetoothData { values: BluetoothAdvertisement[] }
interface AccelerometerData { values: { data: { x: number; y: number; z: number; timestamp?: number }[] } }
interface NdefRecord { type: string; typeNameFormat: number; payload?: string; string?: string; bytes?: number[] }
/** Which tag a gateway tag change script is called for; newValue and previousValue are system.tag's QualifiedValue. */
interface TagChangeEvent {
  /** The canonical path that changed, \`[provider]Folder/Tag\` (with \`.Property\` when the sidecar named one). */
  tagPath: string;
}
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

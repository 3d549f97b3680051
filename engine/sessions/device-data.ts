/**
 * The data of the Perspective App's device events (seeds/002: Barcode, Bluetooth, Accelerometer, NFC), checked against
 * the seed's shapes before any script sees it. Each check answers what is wrong, naming the path into the data
 * (`data.values[2].iBeacon.major`), or undefined. Nothing else is accepted: a key the seed does not list is refused,
 * so a script can rely on the shape.
 */

type Check = (value: unknown, at: string) => string | undefined;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

const string =
  (max: number, pattern?: RegExp, what = `a string of at most ${max} characters`): Check =>
  (v, at) =>
    typeof v === 'string' && v.length <= max && (!pattern || pattern.test(v)) ? undefined : `"${at}" must be ${what}`;

const integer =
  (min: number, max: number): Check =>
  (v, at) =>
    Number.isInteger(v) && (v as number) >= min && (v as number) <= max
      ? undefined
      : `"${at}" must be a whole number from ${min} to ${max}`;

const finite: Check = (v, at) => (typeof v === 'number' && Number.isFinite(v) ? undefined : `"${at}" must be a number`);

/** Milliseconds since 1970, as the app sends them. */
const timestamp = integer(0, 8.64e15);
const BASE64 = /^[A-Za-z0-9+/_-]*={0,2}$/;
const UUID = /^[0-9A-Fa-f-]{1,36}$/;
const HEX = (n: number) => new RegExp(`^[0-9A-Fa-f]{${n}}$`);

function list(item: Check, max: number): Check {
  return (v, at) => {
    if (!Array.isArray(v)) return `"${at}" must be a list`;
    if (v.length > max) return `"${at}" may have at most ${max} items`;
    for (let i = 0; i < v.length; i++) {
      const problem = item(v[i], `${at}[${i}]`);
      if (problem) return problem;
    }
    return undefined;
  };
}

/** An object with exactly these keys (those marked optional may be missing). */
function shape(fields: Record<string, Check>, optional: readonly string[] = []): Check {
  return (v, at) => {
    if (!isObject(v)) return `"${at}" must be an object`;
    for (const key of Object.keys(v))
      if (!Object.hasOwn(fields, key)) return `"${at}" has no field "${key}" (its fields: ${Object.keys(fields).join(', ')})`;
    for (const [key, check] of Object.entries(fields)) {
      if (v[key] === undefined) {
        if (optional.includes(key)) continue;
        return `"${at}.${key}" is missing`;
      }
      const problem = check(v[key], `${at}.${key}`);
      if (problem) return problem;
    }
    return undefined;
  };
}

const base64 = string(4096, BASE64, 'base64 text of at most 4096 characters');
const uuid = string(36, UUID, 'a UUID');
const txPower = integer(-128, 127);

const ADVERTISEMENT = shape(
  {
    rssi: integer(-200, 50),
    timestamp,
    manufacturerData: shape({ companyId: integer(0, 65_535), dataBase64Encoded: base64 }),
    serviceUUIDs: list(uuid, 64),
    serviceData: shape({ uuid, dataBase64Encoded: base64 }),
    iBeacon: shape({ uuid, major: integer(0, 65_535), minor: integer(0, 65_535), txPower }),
    eddystoneUID: shape({ txPower, namespaceID: string(20, HEX(20), '20 hex digits'), instanceID: string(12, HEX(12), '12 hex digits') }),
    AltBeacon: shape({
      manufacturerId: integer(0, 65_535),
      uuid,
      instance: string(64, /^[0-9A-Fa-f]*$/, 'hex digits'),
      txPower,
      manufacturerReserved: string(16, /^[0-9A-Fa-f]*$/, 'hex digits'),
    }),
  },
  ['manufacturerData', 'serviceUUIDs', 'serviceData', 'iBeacon', 'eddystoneUID', 'AltBeacon'],
);

const NDEF_RECORD = shape(
  {
    type: string(256),
    typeNameFormat: integer(0, 7),
    payload: string(65_536),
    string: string(65_536),
    bytes: list(integer(0, 255), 65_536),
  },
  ['payload', 'string', 'bytes'],
);

/** The device events and the shape of each one's `data`. */
export const DEVICE_DATA = {
  barcode: shape({ text: string(10_000), timestamp, barcodeType: string(100) }, ['barcodeType']),
  bluetooth: shape({ values: list(ADVERTISEMENT, 1000) }),
  accelerometer: shape({ values: shape({ data: list(shape({ x: finite, y: finite, z: finite, timestamp }, ['timestamp']), 20_000) }) }),
  nfc: list(NDEF_RECORD, 64),
} satisfies Record<string, Check>;

export type DeviceKind = keyof typeof DEVICE_DATA;

/** The client frame (and SDK action) of each device event. */
export const DEVICE_ACTIONS = {
  barcode: 'scanBarcode',
  bluetooth: 'sendBluetoothAdvertisements',
  accelerometer: 'sendAccelerometerBatch',
  nfc: 'sendNdefRecords',
} as const satisfies Record<DeviceKind, string>;

/** Which device events' scripts get the action's `context` as their third argument (Bluetooth's gets none, seeds/002). */
export const TAKES_CONTEXT: Record<DeviceKind, boolean> = { barcode: true, bluetooth: false, accelerometer: true, nfc: true };

/** The device event a client frame type stands for, or undefined. */
export function deviceKindOf(frameType: string): DeviceKind | undefined {
  return (Object.keys(DEVICE_ACTIONS) as DeviceKind[]).find((kind) => DEVICE_ACTIONS[kind] === frameType);
}

/** What is wrong with a device event's data, or undefined. */
export function deviceDataProblem(kind: DeviceKind, data: unknown): string | undefined {
  return DEVICE_DATA[kind](data, 'data');
}

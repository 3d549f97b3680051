// The Perspective App's device events (issue 15 item 3, seeds/002) through a real gateway and the client SDK: the
// Barcode example writes the scan to [default]New Tag 5 and a label bound to the tag shows it; each event's script
// gets the seed's arguments; data of the wrong shape, oversized data and a flood are refused before any script runs.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type FlintSession } from '../../client/index.ts';
import { DEVICE_EVENTS_PER_SECOND } from '../../engine/sessions/session-manager.ts';
import { startGateway, type TestGateway } from '../helpers/fixture.ts';

const sample = (name: string) => new URL(`../../projects/samplequickstart/${name}`, import.meta.url);

const files = {
  // The sample's own Barcode script and Scanner view, as `npm start` runs them.
  'session-events/barcode.ts': readFileSync(sample('session-events/barcode.ts'), 'utf8'),
  'views/Scanner/view.json': readFileSync(sample('views/Scanner/view.json'), 'utf8'),
  'session-events/bluetooth.ts': `export default function (...args: any[]) {
  const [session, data] = args;
  session.custom.bluetooth = { args: args.length, beacons: data.values.filter((v: any) => v.iBeacon).map((v: any) => v.iBeacon.uuid) };
}
`,
  // seeds/002, Accelerometer example: each row to the log.
  'session-events/accelerometer.ts': `export default function (session: any, data: any, context: any) {
  const logger = system.util.getLogger('accelerometer');
  for (const row of data.values.data) logger.info('X:' + row.x + ', Y:' + row.y + ', Z:' + row.z);
  session.custom.accelerometer = context;
}
`,
  // seeds/002, NFC example.
  'session-events/nfc.ts': `export default function (session: any, data: any, context: any) {
  const logger = system.util.getLogger('NFC');
  for (const row of data) logger.info('Type:' + row.type + ', Type Name Format:' + row.typeNameFormat + ', Payload:' + row.payload + ', String:' + row.string + ', Bytes:' + row.bytes);
  session.custom.nfc = { records: data.length, context };
}
`,
};

const BLUETOOTH = [
  { rssi: -48, timestamp: 1570147485167, manufacturerData: { companyId: 6, dataBase64Encoded: 'AQkgAl_edccdnHClMvecMCiM--aAkLHAPibd' } },
  {
    rssi: -48,
    timestamp: 1570147486012,
    serviceUUIDs: ['FEAA'],
    serviceData: { uuid: 'FEAA', dataBase64Encoded: 'AOyqqqqqqqqqqqqqAAAAAAAA' },
    eddystoneUID: { txPower: -20, namespaceID: 'AAAAAAAAAAAAAAAAAAAA', instanceID: '000000000000' },
  },
  {
    rssi: -54,
    timestamp: 1570147485919,
    manufacturerData: { companyId: 76, dataBase64Encoded: 'AhV88isfQjVLY4VnXXfYqpTyAAAAAL8=' },
    iBeacon: { uuid: '7CF22B1F-4235-4B63-8567-5D77D8AA94F2', major: 0, minor: 0, txPower: -65 },
  },
  {
    rssi: -54,
    timestamp: 1570147485987,
    manufacturerData: { companyId: 65535, dataBase64Encoded: 'vqwSNFZ4EjQSNBI0EjRWeJASAAAAAOwA' },
    AltBeacon: {
      manufacturerId: 65535,
      uuid: '12345678-1234-1234-1234-123456789012',
      instance: '00000000',
      txPower: -20,
      manufacturerReserved: '00',
    },
  },
];

let t: TestGateway;
let tagsDir: string;
let url: string;
beforeAll(async () => {
  tagsDir = mkdtempSync(join(tmpdir(), 'flint-device-'));
  writeFileSync(
    join(tagsDir, 'default.json'),
    JSON.stringify({ tags: [{ name: 'New Tag 5', dataType: 'String', value: 'Please scan a barcode' }] }),
  );
  t = await startGateway({ p: { files }, bare: { files: {} } }, { tagsDir });
  await t.waitFor(() => t.gateway.project('p')?.isRunning, 10_000, 'the project');
  url = `${(await t.http()).url.replace('http', 'ws')}/session`;
});
afterAll(async () => {
  await t.stop();
  rmSync(tagsDir, { recursive: true, force: true });
});

const open = (project = 'p') => connect({ url, project, reconnect: false });
const refusal = (promise: Promise<unknown>) =>
  promise.then(
    () => 'resolved',
    (e: { code: string; message: string }) => `${e.code}: ${e.message}`,
  );

describe('device events (seeds/002)', () => {
  it('runs the Barcode example: the scan goes to [default]New Tag 5, and the label bound to it shows it', async () => {
    const session = await open();
    const { pageId } = await session.openPage('/');
    const view = await session.mountView(pageId, 'Scanner');
    expect(view.components.ScannedLabel.props.text).toBe('Please scan a barcode');
    await session.scanBarcode({ text: '4006381333931', barcodeType: 'EAN_13' }, { station: 3 });
    await t.waitFor(() => view.components.ScannedLabel.props.text === '4006381333931', 5000, 'the label');
    expect(t.gateway.tags.read(['[default]New Tag 5'], 'default')[0].value).toBe('4006381333931');
    await t.waitFor(
      () => t.logs((r) => r.message.startsWith(`Session ${session.sessionId} scanned 4006381333931 (EAN_13) {"station":3}`)).length === 1,
      5000,
      'the log',
    );
    await session.logout();
  });

  it('gives Bluetooth (session, data), and Accelerometer and NFC (session, data, context), as the seed lists', async () => {
    const session = await open();
    await session.sendBluetoothAdvertisements(BLUETOOTH);
    await t.waitFor(() => session.custom.bluetooth !== undefined, 5000, 'bluetooth');
    expect(session.custom.bluetooth).toEqual({ args: 2, beacons: ['7CF22B1F-4235-4B63-8567-5D77D8AA94F2'] });
    await session.sendAccelerometerBatch(
      [
        { x: 0.1, y: -0.2, z: 9.81 },
        { x: 1, y: 2, z: 3, timestamp: 1570147485167 },
      ],
      { run: 'shake' },
    );
    await t.waitFor(() => session.custom.accelerometer !== undefined, 5000, 'accelerometer');
    expect(session.custom.accelerometer).toEqual({ run: 'shake' });
    expect(t.logs((r) => r.logger === 'accelerometer').map((r) => r.message)).toEqual(['X:0.1, Y:-0.2, Z:9.81', 'X:1, Y:2, Z:3']);
    await session.sendNdefRecords([{ type: 'T', typeNameFormat: 1, payload: 'enHello', string: 'Hello', bytes: [2, 101, 110] }], {
      reader: 'door',
    });
    await t.waitFor(() => session.custom.nfc !== undefined, 5000, 'nfc');
    expect(session.custom.nfc).toEqual({ records: 1, context: { reader: 'door' } });
    expect(t.logs((r) => r.logger === 'NFC').map((r) => r.message)).toEqual([
      'Type:T, Type Name Format:1, Payload:enHello, String:Hello, Bytes:2,101,110',
    ]);
    await session.logout();
  });

  it('refuses data of the wrong shape with BAD_REQUEST naming the field, and runs no script', async () => {
    const session = await open();
    const cases: [() => Promise<void>, RegExp][] = [
      [() => session.scanBarcode({ text: 42 as unknown as string }), /"data.text" must be a string/],
      [() => session.scanBarcode({ text: 'x'.repeat(10_001) }), /"data.text" must be a string of at most 10000/],
      [() => session.scanBarcode({ text: 'a', timestamp: -1 }), /"data.timestamp" must be a whole number/],
      [() => session.scanBarcode({ text: 'a', colour: 'red' } as never), /"data" has no field "colour"/],
      [
        () => session.sendBluetoothAdvertisements([{ rssi: 500, timestamp: 1 }]),
        /"data.values\[0\].rssi" must be a whole number from -200 to 50/,
      ],
      [
        () => session.sendBluetoothAdvertisements([{ ...BLUETOOTH[2], iBeacon: { ...BLUETOOTH[2].iBeacon!, major: 70_000 } }]),
        /"data.values\[0\].iBeacon.major"/,
      ],
      [() => session.sendBluetoothAdvertisements([{ rssi: -1 } as never]), /"data.values\[0\].timestamp" is missing/],
      [
        () => session.sendAccelerometerBatch([{ x: 'fast' as unknown as number, y: 0, z: 0 }]),
        /"data.values.data\[0\].x" must be a number/,
      ],
      [() => session.sendNdefRecords([{ type: 'T', typeNameFormat: 9 }]), /"data\[0\].typeNameFormat" must be a whole number from 0 to 7/],
      [
        () => session.sendNdefRecords([{ type: 'T', typeNameFormat: 1, bytes: [256] }]),
        /"data\[0\].bytes\[0\]" must be a whole number from 0 to 255/,
      ],
    ];
    for (const [send, message] of cases) expect(await refusal(send())).toMatch(new RegExp(`^BAD_REQUEST: ${message.source}`));
    expect(session.custom).toEqual({});
    expect(t.logs((r) => r.message.includes(`Session ${session.sessionId} scanned`))).toEqual([]);
    await session.logout();
  });

  it('refuses a project without the script with NOT_FOUND, and a flood past the rate with QUOTA_EXCEEDED', async () => {
    const bare: FlintSession = await open('bare');
    expect(await refusal(bare.scanBarcode({ text: 'a' }))).toMatch(/^NOT_FOUND: project "bare" has no session-events\/barcode script/);
    await bare.logout();
    const session = await open();
    const results = await Promise.all(
      Array.from({ length: DEVICE_EVENTS_PER_SECOND + 10 }, (_, i) => refusal(session.scanBarcode({ text: `flood ${i}` }))),
    );
    expect(results.filter((r) => r === 'resolved').length).toBeLessThanOrEqual(DEVICE_EVENTS_PER_SECOND);
    expect(
      results.filter((r) => r.startsWith('QUOTA_EXCEEDED: more than 20 device and key events in one second')).length,
    ).toBeGreaterThanOrEqual(10);
    expect(session.ended).toBeUndefined();
    await session.logout();
  });
});

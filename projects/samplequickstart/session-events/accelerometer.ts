// seeds/002, Accelerometer example: each batched reading to the gateway log.
export default function (_session: Flint.Session, data: Flint.AccelerometerData) {
  const logger = system.util.getLogger('accelerometer');
  for (const row of data.values.data) logger.info(`X:${row.x}, Y:${row.y}, Z:${row.z}`);
}

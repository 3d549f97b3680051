// seeds/002, NFC example: each record of the scanned tag to the gateway log.
export default function (_session: Flint.Session, data: Flint.NdefRecord[]) {
  const logger = system.util.getLogger('NFC');
  for (const row of data)
    logger.info(
      `Type:${row.type}, Type Name Format:${row.typeNameFormat}, Payload:${row.payload}, String:${row.string}, Bytes:${String(row.bytes)}`,
    );
}

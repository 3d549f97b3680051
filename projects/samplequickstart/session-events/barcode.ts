// seeds/002, Barcode example: a scanned barcode is written to a memory tag. The sample's Scanner view has a label bound
// to that tag, so the label shows each scan (open /session/samplequickstart/?view=Scanner and send a barcode).
export default function (session: Flint.Session, data: Flint.BarcodeData, context: JsonObject) {
  system.tag.writeAsync(['[default]New Tag 5'], [data.text]);
  system.util
    .getLogger('Barcode')
    .info(`Session ${session.props.id} scanned ${data.text} (${data.barcodeType ?? 'unknown type'}) ${JSON.stringify(context)}`);
}

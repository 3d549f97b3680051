// seeds/002, Keystroke example (regex match): a HID barcode scanner (or anyone) typing 12 digits and "@" sets a custom
// session property, which the session page shows live. The rule is in scanner.json: [0-9]{12}@$ over the last 13 keys.
export default function (page: Flint.Page, event: Flint.KeystrokeEvent) {
  page.session.custom.scannerInput = 'Match found';
  system.util.getLogger('Keystroke').info(`Session ${page.session.props.id} matched ${event.matches[0]}`);
}

// Runs when [default]New Tag 5 changes: the Barcode example writes the scanned text there (seeds/002), and the
// Scanner view's label is bound to it. Its sidecar, scannedText.json, lists the path. The first call, when the
// script subscribes, is the tag's current value (initialChange); each later one is one change, in order.
export default ((initialChange, newValue, previousValue, event, executionCount) => {
  const logger = system.util.getLogger('samplequickstart');
  if (initialChange) {
    logger.info(`${event.tagPath} holds ${JSON.stringify(newValue.value)} (${newValue.quality})`);
    return;
  }
  logger.info(
    `${event.tagPath} changed from ${JSON.stringify(previousValue?.value ?? null)} to ${JSON.stringify(newValue.value)} (change ${executionCount - 1})`,
  );
}) satisfies Flint.GatewayTagChangeHandler;

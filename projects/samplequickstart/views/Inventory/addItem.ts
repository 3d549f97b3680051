// The button's onActionPerformed script, as (self, event): seeds/000's example, sending a message to all message
// handlers of the current view that a new item was added.
export default function (self: Flint.Component, event: { itemName?: string }) {
  const itemName = event.itemName ?? 'banana';
  system.perspective.sendMessage('NewItem', { itemName, itemQuantity: 6 }, 'view');
  self.props.text = `Added ${itemName}`;
}

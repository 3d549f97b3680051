// The item list's message handler for "NewItem" (scope view), as (self, payload): the list shown on the page grows.
export default function (self: Flint.Component, payload: { itemName: string; itemQuantity: number }) {
  const items = (self.props.items as { name: string; quantity: number }[]) ?? [];
  self.props.items = [...items, { name: payload.itemName, quantity: payload.itemQuantity }];
}

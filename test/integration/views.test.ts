// Views, component scripts and system.perspective.sendMessage (seeds/000): a component's event script runs as
// (self, event), its writes to self.props reach the client, and its message reaches the component message handlers
// listening on the scope it names, each as (self, payload), after the caller and in order.
import { describe, expect, it } from 'vitest';
import { connect, type ComponentPropsChange } from '../../client/index.ts';
import { useGateway } from '../helpers/fixture.ts';

const VIEW = {
  components: {
    ItemList: {
      props: { items: [] },
      messageHandlers: [{ messageType: 'NewItem', scopes: ['view', 'page'], script: 'onNewItem' }],
    },
    AddButton: { props: { text: 'Add' }, events: { onActionPerformed: 'addItem' } },
    Label: { props: { text: '' }, messageHandlers: [{ messageType: 'Greet', scopes: ['session'], script: 'greet' }] },
  },
};

const t = useGateway({
  shop: {
    files: {
      'views/Inventory/view.json': JSON.stringify(VIEW),
      'views/Inventory/addItem.ts': `export default function (self: any, event: any) {
  self.props.text = 'Added ' + event.name;
  system.perspective.sendMessage('NewItem', { itemName: event.name, itemQuantity: 6 }, { scope: event.scope ?? 'view' });
}\n`,
      'views/Inventory/onNewItem.ts': `export default function (self: any, payload: any) {
  self.props.items = [...self.props.items, payload.itemName];
  self.page.session.custom.lastItem = payload.itemName + ' on ' + self.page.props.path;
}\n`,
      'views/Inventory/greet.ts': `export default function (self: any, payload: any) { self.props.text = 'Hello ' + payload.who; }\n`,
      'views/Broken/view.json':
        '{"components": {"A": {"messageHandlers": [{"messageType": "X", "scopes": ["everywhere"], "script": "a"}]}}}',
      'gateway-events/message/greet.ts': `export default function (payload: any) {
  try { system.perspective.sendMessage('Greet', { who: payload.who }, payload.scope, payload.sessionId, payload.pageId); return 'sent'; }
  catch (e: any) { return e.code + ': ' + e.message; }
}\n`,
      'session-events/message/fromSession.ts': `export default function (session: any, payload: any) {
  try { system.perspective.sendMessage('NewItem', { itemName: 'x' }, payload.scope); return 'sent'; }
  catch (e: any) { return e.code + ': ' + e.message; }
}\n`,
    },
  },
});

async function open() {
  const http = await t.http();
  return connect({ url: `${http.url.replace('http', 'ws')}/session`, project: 'shop' });
}

describe('views and system.perspective.sendMessage', () => {
  it('runs a component event script as (self, event) and reaches the handlers of its own view only with scope "view"', async () => {
    const session = await open();
    const changes: ComponentPropsChange[] = [];
    session.onComponentProps((c) => changes.push(c));
    const { pageId } = await session.openPage('/inventory');
    const first = await session.mountView(pageId, 'Inventory');
    const second = await session.mountView(pageId, 'Inventory');
    expect(first.components.ItemList.props).toEqual({ items: [] });
    await session.componentEvent(pageId, first.instanceId, 'AddButton', 'onActionPerformed', { name: 'banana' });
    expect(first.components.AddButton.props.text).toBe('Added banana');
    await t.waitFor(() => (first.components.ItemList.props.items as string[]).length === 1, 5000, 'the NewItem handler');
    expect(first.components.ItemList.props.items).toEqual(['banana']);
    expect(second.components.ItemList.props.items).toEqual([]);
    expect(changes.find((c) => c.component === 'ItemList')).toMatchObject({
      pageId,
      instanceId: first.instanceId,
      group: 'props',
      key: 'items',
    });
    const custom = () => t.gateway.sessions.get(session.sessionId)?.custom;
    await t.waitFor(() => custom()?.get('lastItem') === 'banana on /inventory', 5000, 'self.page.session.custom written');

    // scope "page": every view instance on the page
    await session.componentEvent(pageId, second.instanceId, 'AddButton', 'onActionPerformed', { name: 'apple', scope: 'page' });
    await t.waitFor(() => (first.components.ItemList.props.items as string[]).length === 2, 5000, 'the page-wide NewItem');
    await t.waitFor(() => (second.components.ItemList.props.items as string[]).length === 1, 5000, 'the page-wide NewItem');
    expect(first.components.ItemList.props.items).toEqual(['banana', 'apple']);
    expect(second.components.ItemList.props.items).toEqual(['apple']);
    session.close();
  });

  it('reaches every view of another session from the gateway scope, and refuses what the seed forbids', async () => {
    const session = await open();
    const { pageId } = await session.openPage('/a');
    const view = await session.mountView(pageId, 'Inventory');
    const other = await session.openPage('/b');
    const otherView = await session.mountView(other.pageId, 'Inventory');
    expect(await t.request('shop', 'greet', { who: 'alice', scope: 'session', sessionId: session.sessionId })).toMatch(
      /^BAD_ARGUMENT: .*pageId is required/,
    );
    expect(await t.request('shop', 'greet', { who: 'alice', scope: 'session', sessionId: session.sessionId, pageId })).toBe('sent');
    await t.waitFor(() => otherView.components.Label.props.text === 'Hello alice', 5000, 'the session-wide Greet');
    expect(view.components.Label.props.text).toBe('Hello alice');
    expect(await t.request('shop', 'greet', { who: 'bob', scope: 'page' })).toMatch(
      /^BAD_ARGUMENT: .*sessionId and pageId are both required/,
    );
    expect(await t.request('shop', 'greet', { who: 'bob', scope: 'page', sessionId: session.sessionId })).toMatch(
      /^BAD_ARGUMENT: .*pageId is required/,
    );
    expect(await t.request('shop', 'greet', { who: 'bob', sessionId: 'nope', pageId })).toMatch(/^NOT_FOUND/);
    // a session handler has no calling view: "view" is refused, "page" needs a page it does not have
    expect(await session.request('fromSession', { scope: 'view' })).toMatch(/^BAD_ARGUMENT: .*scope "view"/);
    expect(await session.request('fromSession', { scope: 'page' })).toMatch(/^BAD_ARGUMENT: .*acts for no page/);
    expect(await session.request('fromSession', { scope: 'session' })).toBe('sent');
    session.close();
  });

  it('refuses an unknown or invalid view, an unknown component or event, and shows the invalid view.json as a diagnostic', async () => {
    const session = await open();
    const { pageId } = await session.openPage('/');
    await expect(session.mountView(pageId, 'Nowhere')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(session.mountView(pageId, 'Broken')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    const diagnostics = t.gateway.project('shop')!.status().diagnostics as { file: string; message: string }[];
    expect(diagnostics.find((d) => d.file.endsWith('views/Broken/view.json'))?.message).toMatch(/scopes/);
    const view = await session.mountView(pageId, 'Inventory');
    await expect(session.componentEvent(pageId, view.instanceId, 'Ghost', 'onActionPerformed')).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
    await expect(session.componentEvent(pageId, view.instanceId, 'ItemList', 'onClick')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await session.unmountView(pageId, view.instanceId);
    await expect(session.componentEvent(pageId, view.instanceId, 'AddButton', 'onActionPerformed')).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
    session.close();
  });
});

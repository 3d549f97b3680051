import { describe, expect, it } from 'vitest';
import { parseViewDecl, type ViewDecl } from '../../../engine/sessions/views.ts';

describe('view.json declarations', () => {
  it('read components with props, message handlers (default scope page) and event scripts', () => {
    const parsed = parseViewDecl({
      components: {
        ItemList: { props: { items: [] }, messageHandlers: [{ messageType: 'NewItem', scopes: ['view'], script: 'onNewItem' }] },
        AddButton: {
          type: 'button',
          props: { text: 'Add' },
          events: { onActionPerformed: 'addBanana' },
          bindings: { text: { tag: '[default]Labels/Add' } },
        },
        Label: { messageHandlers: [{ messageType: 'Hello', script: 'onHello' }] },
      },
    });
    expect(parsed).toEqual({
      ok: true,
      view: {
        components: {
          ItemList: {
            props: { items: [] },
            custom: {},
            messageHandlers: [{ messageType: 'NewItem', scopes: ['view'], script: 'onNewItem' }],
            events: {},
            bindings: {},
          },
          AddButton: {
            props: { text: 'Add' },
            custom: {},
            messageHandlers: [],
            events: { onActionPerformed: 'addBanana' },
            bindings: { text: { tag: '[default]Labels/Add' } },
          },
          Label: {
            props: {},
            custom: {},
            messageHandlers: [{ messageType: 'Hello', scopes: ['page'], script: 'onHello' }],
            events: {},
            bindings: {},
          },
        },
      },
    });
  });

  it('name the key that is wrong', () => {
    expect(parseViewDecl([])).toEqual({ ok: false, message: 'view.json must hold a JSON object' });
    expect(parseViewDecl({ root: {} })).toEqual({ ok: false, message: 'unknown key "root" (a view has "components")' });
    expect(parseViewDecl({ components: { A: { messageHandlers: [{ messageType: 'X', scopes: ['tab'], script: 's' }] } } })).toEqual({
      ok: false,
      message: '"components.A.messageHandlers[0].scopes" must be a non-empty list of "view", "page" and "session"',
    });
    expect(parseViewDecl({ components: { A: { events: { onClick: '../../etc/passwd' } } } })).toEqual({
      ok: false,
      message: '"components.A.events.onClick" must name a script beside the view.json',
    });
    expect(parseViewDecl({ components: { A: { props: 3 } } })).toEqual({ ok: false, message: '"components.A.props" must be an object' });
    expect(parseViewDecl({ components: { A: { bindings: { text: '[default]T' } } } })).toEqual({
      ok: false,
      message: '"components.A.bindings.text" must be { "tag": <tag path> }',
    });
    expect(parseViewDecl({ components: { A: { bindings: { text: { tag: '' } } } } })).toEqual({
      ok: false,
      message: '"components.A.bindings.text.tag" must be a tag path (1 to 2000 characters), such as "[default]Folder/Tag"',
    });
    expect(parseViewDecl({ components: { A: { bindings: { text: { tag: 'T', expression: '1' } } } } }).ok).toBe(false);
    expect(parseViewDecl({ components: { A: { bindings: [] } } })).toMatchObject({
      ok: false,
      message: /"components.A.bindings" must be an object/,
    });
  });

  it('keep a component named like an Object.prototype property as a component', () => {
    const parsed = parseViewDecl(JSON.parse('{"components": {"__proto__": {"props": {"a": 1}}, "toString": {}}}'));
    expect(parsed.ok).toBe(true);
    const components = (parsed as { ok: true; view: ViewDecl }).view.components;
    expect(Object.keys(components)).toEqual(['__proto__', 'toString']);
    expect(Object.getPrototypeOf(components)).toBeNull();
    expect(components['__proto__'].props).toEqual({ a: 1 });
  });
});

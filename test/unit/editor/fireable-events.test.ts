// The sample payloads of the test panel come from the catalogue's parameter examples (engine/catalogue/events.ts):
// each one must be what a client may send, or the panel would prefill a payload the gateway refuses.
import { describe, expect, it } from 'vitest';
import { eventById } from '../../../engine/catalogue/events.ts';
import { FIREABLE_EVENTS, payloadKeysProblem, payloadParams } from '../../../engine/editor/fireable-events.ts';
import { DEVICE_ACTIONS, deviceDataProblem, type DeviceKind } from '../../../engine/sessions/device-data.ts';
import { readClientFrame } from '../../../engine/sessions/frame-reader.ts';
import { keyMatchProblem } from '../../../engine/sessions/key-match.ts';

const sampleOf = (id: string) => FIREABLE_EVENTS.find((e) => e.event === id)!.sample;

describe('the sample payloads of fired events', () => {
  it('give every copied parameter of every Session Event and component event an example', () => {
    for (const fireable of FIREABLE_EVENTS) {
      const decl = eventById(fireable.event)!;
      expect(Object.keys(fireable.sample), decl.id).toEqual(payloadParams(decl).map((p) => p.name));
      for (const [name, value] of Object.entries(fireable.sample)) expect(value, `${decl.id} ${name}`).not.toBeNull();
      expect(payloadKeysProblem(decl, fireable.sample), decl.id).toBeUndefined();
    }
  });

  it('are device data, keystrokes and frames that the gateway accepts from a client', () => {
    for (const kind of Object.keys(DEVICE_ACTIONS) as DeviceKind[]) {
      const sample = sampleOf(`session/${kind}`);
      expect(deviceDataProblem(kind, sample.data), kind).toBeUndefined();
      expect(readClientFrame(JSON.stringify({ v: 1, type: DEVICE_ACTIONS[kind], ...sample })).ok, kind).toBe(true);
    }
    const rule = {
      name: 'enter',
      mode: 'keyDown' as const,
      key: 'Enter',
      bufferLength: 1,
      capturePhase: false,
      preventDefault: false,
      stopPropagation: false,
    };
    expect(keyMatchProblem(rule, sampleOf('session/keystroke').event as Record<string, unknown>)).toBeUndefined();
    const form = sampleOf('session/form-submission');
    expect(readClientFrame(JSON.stringify({ v: 1, type: 'submitForm', submissionId: 'a1', name: 'order', ...form })).ok).toBe(true);
  });

  it('refuses a payload key the handler does not take, naming the ones it does', () => {
    expect(payloadKeysProblem(eventById('session/barcode')!, { data: {}, extra: 1 })).toBe(
      'field "payload" has no field "extra" (session/barcode takes "data", "context")',
    );
    expect(payloadKeysProblem(eventById('session/startup')!, { x: 1 })).toMatch(/takes none/);
  });
});

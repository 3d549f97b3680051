import type { GatewayFrame } from '../sessions/protocol.ts';
import type { SessionClient } from '../sessions/session.ts';

/** Most frames one fire keeps; past it they are counted, not kept (a script in a loop of writes floods no memory). */
export const MAX_RECORDED_FRAMES = 500;

/**
 * The client of a simulated session (engine/editor/simulated-sessions.ts): where a real session's client gets frames
 * over its WebSocket (props, push, message, authChallenge, keyRules, ended...), this one records them, so that the
 * editor's test panel can show what a fired event sent to the session.
 */
export class RecordingClient implements SessionClient {
  private frames: unknown[] = [];
  private dropped = 0;
  closed = false;

  send(frame: GatewayFrame): void {
    this.record(frame);
  }

  sendText(text: string): void {
    this.record(JSON.parse(text) as unknown);
  }

  close(): void {
    this.closed = true;
  }

  /** The frames recorded since the last take, and how many were dropped past MAX_RECORDED_FRAMES; starts afresh. */
  take(): { frames: unknown[]; framesDropped: number } {
    const taken = { frames: this.frames, framesDropped: this.dropped };
    this.frames = [];
    this.dropped = 0;
    return taken;
  }

  private record(frame: unknown): void {
    if (this.frames.length < MAX_RECORDED_FRAMES) this.frames.push(frame);
    else this.dropped++;
  }
}

/**
 * A client of the long-polling bus (`POST /<project>/bus`, docs/bus.md) with the loop of Tryton's clients: post the
 * channels and the last message id; after a message, or after an answer with no message (the poll timed out), poll
 * again at once; stop when the bus answers 501 (disabled); after any other failure wait, doubling the wait each time up
 * to a cap, and poll again.
 */

/** A message of the bus: at least its `message_id` and `type`; a notification also has title, body and priority. */
export type BusMessage = Record<string, unknown> & { message_id: string; type?: string };

export interface BusClientOptions {
  /** The gateway's HTTP address, such as `http://127.0.0.1:8088`. */
  url: string;
  project: string;
  /** The `Authorization` header: `Session <base64>`, `Bearer <token>` or `FlintSession <id>:<token>` (docs/bus.md). */
  authorization: string;
  /** Channels to listen to besides the ones the gateway adds (`user:<you>`, and `client:<session>` for a session). */
  channels?: string[];
  onMessage(message: BusMessage, channel: string): void;
  /** The loop stopped: the bus is disabled (501) or `stop()` was called. */
  onStop?(reason: string): void;
  /** Each failed poll (the loop goes on). */
  onError?(error: Error): void;
  /** The first wait after a failure (default 500 ms) and the longest (default 30 s). */
  retryDelayMs?: number;
  maxRetryDelayMs?: number;
}

export class BusClient {
  /** The `message_id` of the last message received, sent with the next poll. */
  lastMessage: string | null = null;
  private readonly options: BusClientOptions;
  private running = false;
  private current: AbortController | undefined;
  private wake: (() => void) | undefined;

  constructor(options: BusClientOptions) {
    this.options = options;
  }

  get isRunning(): boolean {
    return this.running;
  }

  /** Starts the loop (once). */
  start(): this {
    if (!this.running) {
      this.running = true;
      void this.loop();
    }
    return this;
  }

  stop(reason = 'stopped'): void {
    if (!this.running) return;
    this.running = false;
    this.current?.abort();
    this.wake?.();
    this.options.onStop?.(reason);
  }

  private async loop(): Promise<void> {
    const first = this.options.retryDelayMs ?? 500;
    const cap = this.options.maxRetryDelayMs ?? 30_000;
    let delay = first;
    while (this.running) {
      try {
        const answer = await this.poll();
        delay = first;
        if (answer === 'disabled') return this.stop('the bus is disabled on this project (501)');
        if (answer?.message) {
          this.lastMessage = answer.message.message_id;
          this.options.onMessage(answer.message, answer.channel);
        }
      } catch (error) {
        if (!this.running) return;
        this.options.onError?.(error instanceof Error ? error : new Error(String(error)));
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, delay);
          this.wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        delay = Math.min(delay * 2, cap);
      }
    }
  }

  private async poll(): Promise<{ message: BusMessage | null; channel: string } | 'disabled'> {
    const { url, project, authorization, channels = [] } = this.options;
    this.current = new AbortController();
    const response = await fetch(`${url}/${encodeURIComponent(project)}/bus`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization },
      body: JSON.stringify({ last_message: this.lastMessage, channels }),
      signal: this.current.signal,
    });
    if (response.status === 501) return 'disabled';
    const body = (await response.json()) as { message?: BusMessage | null; channel?: string };
    if (!response.ok) throw new Error(`the bus answered ${response.status}: ${JSON.stringify(body)}`);
    return { message: body.message ?? null, channel: body.channel ?? '' };
  }
}

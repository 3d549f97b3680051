// Opening many SDK sessions (client/index.ts) at a pace a server accepts, and bounding waits, for bench/sessions.ts.
import { connect, type FlintSession } from '../client/index.ts';

/** `promise`, or a rejection naming `what` after `ms`: a refused frame gets no reply, and a benchmark must not hang on it. */
export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms} ms`)), ms);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

/**
 * Opens `count` sessions on `url`, at most `concurrency` handshakes at a time (a listen backlog of 511 drops SYNs past
 * it, and a dropped SYN costs a 1 s retry). No reconnects: a socket the benchmark did not close is a failure.
 */
export async function openSessions(url: string, project: string, count: number, concurrency = 32): Promise<FlintSession[]> {
  const sessions: FlintSession[] = [];
  let started = 0;
  const lane = async () => {
    while (started < count) {
      started++;
      sessions.push(await within(connect({ url, project, reconnect: false }), 10_000, `opening a session on ${url}`));
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(concurrency, count) }, lane));
  } catch (error) {
    started = count; // the other lanes stop after their handshake in progress
    closeSessions(sessions);
    throw error;
  }
  return sessions;
}

export function closeSessions(sessions: FlintSession[]): void {
  for (const session of sessions) session.close();
}

/**
 * Counts what `subscribe` hands each client; `arm(value)` resolves once every client has seen `value` (a bound tag's
 * value, a message's or a push's field), and counts any other value seen meanwhile as wrong.
 */
export function arrivals(clients: FlintSession[], subscribe: (client: FlintSession, seen: (value: unknown) => void) => void) {
  let expected: unknown;
  let armed = false;
  let got = 0;
  let wrong = 0;
  let done: (() => void) | undefined;
  for (const client of clients)
    subscribe(client, (value) => {
      if (!armed) return; // the value a bind starts with
      if (value !== expected) return void wrong++;
      if (++got === clients.length) done?.();
    });
  return {
    get wrong() {
      return wrong;
    },
    arm(value: unknown): Promise<void> {
      expected = value;
      armed = true;
      got = 0;
      return within(new Promise<void>((resolve) => (done = resolve)), 10_000, `a change to reach all ${clients.length} clients`);
    },
  };
}

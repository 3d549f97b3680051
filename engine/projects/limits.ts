/** Per-project sandbox limits: defaults here, overridable in project.json under "limits". */
export interface ProjectLimits {
  /** Isolate heap limit; past it the isolate is rebuilt from the last good scripts. */
  memoryMb: number;
  /** Wall-clock deadline of one invocation, including time spent waiting on system.* calls. */
  timeoutMs: number;
  /** CPU time that async continuations and timer callbacks may use per 10 s window. */
  cpuBudgetMs: number;
  /** system.* calls per second. */
  callsPerSecond: number;
  /** Bytes of log messages per minute; the rest is dropped with one warning. */
  logBytesPerMinute: number;
  /** Timers alive at once. */
  maxTimers: number;
  /** system.* requests waiting for an answer at once. */
  maxPendingRequests: number;
  /** Largest JSON value that may cross the sandbox boundary. */
  maxPayloadBytes: number;
  /** Largest payload of system.perspective.pushMessage (its JSON text): one push goes to every subscriber at once. */
  maxPushPayloadBytes: number;
}

export const DEFAULT_LIMITS: ProjectLimits = {
  memoryMb: 128,
  timeoutMs: 5000,
  cpuBudgetMs: 5000,
  callsPerSecond: 10_000,
  logBytesPerMinute: 1_000_000,
  maxTimers: 1000,
  maxPendingRequests: 1000,
  maxPayloadBytes: 1_000_000,
  maxPushPayloadBytes: 65_536,
};

/** Bounds a project.json may set; outside them the file is rejected with a clear diagnostic. */
export const LIMIT_RANGES: Record<keyof ProjectLimits, [number, number]> = {
  memoryMb: [8, 4096],
  timeoutMs: [10, 600_000],
  cpuBudgetMs: [10, 600_000],
  callsPerSecond: [1, 1_000_000],
  logBytesPerMinute: [1000, 100_000_000],
  maxTimers: [0, 100_000],
  maxPendingRequests: [1, 100_000],
  maxPayloadBytes: [1000, 64_000_000],
  maxPushPayloadBytes: [16, 16_000_000],
};

/** How long and how much an outbox holds while Redis is unreachable. */
export interface OutboxLimits {
  /** Entries held longer than this are dropped rather than sent late. */
  maxAgeMs: number;
  /** Upper bound of the estimated size of all held entries together. */
  maxBytes: number;
}

/** What happened to held entries since the last {@link PublishOutbox.takeReport}. */
export interface OutboxReport {
  held: number;
  /** Handed to Redis (a timed-out one included: Redis still runs it). */
  flushed: number;
  /** Sent, and refused or lost for a reason other than a dropped connection. */
  failed: number;
  /** Given up: older than maxAgeMs, or pushed out by maxBytes. */
  dropped: number;
}

interface HeldEntry {
  send: () => Promise<unknown>;
  bytes: number;
  heldAt: number;
  onDropped?: () => void;
}

/** The entry's publish as a promise, also when `send` throws instead of rejecting. */
async function sendOnce(entry: HeldEntry): Promise<unknown> {
  return entry.send();
}

/**
 * A first-in first-out queue of publishes that could not reach Redis,
 * bounded by age and by total size (the oldest entries go first), and sent
 * in order once Redis is back. It holds no Redis client: `send` does the
 * publishing, and flush() is told which failures mean "never reached Redis"
 * and are worth another try.
 *
 * @example
 * const outbox = new PublishOutbox({ maxAgeMs: 10_000, maxBytes: 16 << 20 });
 * outbox.hold(() => redis.xadd('stream', '*', 'data', payload), payload.length);
 * // later, when the connection is ready again:
 * await outbox.flush(() => redis.status === 'ready', isUnsentError);
 */
export class PublishOutbox {
  private entries: HeldEntry[] = [];
  private bytes = 0;
  private flushing = false;
  private report: OutboxReport = { held: 0, flushed: 0, failed: 0, dropped: 0 };

  constructor(
    private readonly limits: OutboxLimits,
    private readonly now: () => number = Date.now,
  ) {}

  /** Entries waiting, or a flush still running: new publishes must queue behind them to keep their order. */
  get busy(): boolean {
    return this.flushing || this.entries.length > 0;
  }

  get pending(): number {
    return this.entries.length;
  }

  /**
   * Queues `send` behind every held entry. `bytes` is the entry's estimated
   * size; `onDropped` runs if the entry is given up.
   */
  hold(
    send: () => Promise<unknown>,
    bytes: number,
    onDropped?: () => void,
  ): void {
    this.report.held += 1;
    this.dropExpired();
    this.entries.push({ send, bytes, heldAt: this.now(), onDropped });
    this.bytes += bytes;
    while (this.bytes > this.limits.maxBytes && this.entries.length > 0) {
      this.drop(this.entries.shift());
    }
  }

  /**
   * Sends the held entries in order while `canSend()` holds. All of a batch
   * is written at once (one connection keeps the order); entries whose
   * failure `isRetryable` are held again, ahead of newer ones. Entries that
   * arrive during a flush are sent by the same flush. A batch of which
   * nothing got through ends the flush, whatever `canSend()` says: a client
   * refuses a write at once while its closing connection still reads as
   * ready, and trying again at once would never yield to the event loop (so
   * never learn that the connection closed); flush again once it is back.
   */
  async flush(
    canSend: () => boolean,
    isRetryable: (error: unknown) => boolean,
  ): Promise<void> {
    if (this.flushing) {
      return;
    }
    this.flushing = true;
    try {
      while (this.entries.length > 0 && canSend()) {
        this.dropExpired();
        const batch = this.entries;
        this.entries = [];
        this.bytes = 0;
        const outcomes = await Promise.allSettled(batch.map(sendOnce));
        const retry = batch.filter((_entry, index) =>
          this.settle(outcomes[index], isRetryable),
        );
        this.entries = [...retry, ...this.entries];
        this.bytes = this.entries.reduce((sum, entry) => sum + entry.bytes, 0);
        if (retry.length === batch.length) {
          break;
        }
      }
    } finally {
      this.flushing = false;
    }
  }

  /** The counts since the last call, which start again at zero. */
  takeReport(): OutboxReport {
    const report = this.report;
    this.report = { held: 0, flushed: 0, failed: 0, dropped: 0 };
    return report;
  }

  /** Gives up every held entry, e.g. when the client closes. */
  dropAll(): void {
    for (const entry of this.entries) {
      this.drop(entry);
    }
    this.entries = [];
    this.bytes = 0;
  }

  /** Counts a sent entry; true when it must be held again. */
  private settle(
    outcome: PromiseSettledResult<unknown>,
    isRetryable: (error: unknown) => boolean,
  ): boolean {
    if (outcome.status === 'fulfilled') {
      this.report.flushed += 1;
      return false;
    }
    if (isRetryable(outcome.reason)) {
      return true;
    }
    this.report.failed += 1;
    return false;
  }

  private dropExpired(): void {
    const oldestKept = this.now() - this.limits.maxAgeMs;
    while (this.entries.length > 0 && this.entries[0].heldAt < oldestKept) {
      this.drop(this.entries.shift());
    }
  }

  private drop(entry: HeldEntry | undefined): void {
    if (entry === undefined) {
      return;
    }
    this.bytes -= entry.bytes;
    this.report.dropped += 1;
    entry.onDropped?.();
  }
}

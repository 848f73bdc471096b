import { PublishOutbox } from '../../runtime/redis/redis.outbox.js';

const LIMITS = { maxAgeMs: 10_000, maxBytes: 100 };

class Unsent extends Error {}

const isUnsent = (error: unknown): boolean => error instanceof Unsent;
const always = (): boolean => true;

/** An outbox on a clock the test moves, and the publishes that reached "Redis". */
function outboxAt(start = 0): {
  outbox: PublishOutbox;
  sent: string[];
  advance: (ms: number) => void;
  sender: (name: string) => () => Promise<string>;
} {
  let now = start;
  const sent: string[] = [];
  return {
    outbox: new PublishOutbox(LIMITS, () => now),
    sent,
    advance: (ms) => {
      now += ms;
    },
    sender: (name) => () => {
      sent.push(name);
      return Promise.resolve(`offset-${name}`);
    },
  };
}

describe('PublishOutbox', () => {
  it('sends held publishes in the order they were held', async () => {
    const { outbox, sent, sender } = outboxAt();
    for (const name of ['a', 'b', 'c']) {
      outbox.hold(sender(name), 10);
    }
    expect(outbox.busy).toBe(true);

    await outbox.flush(always, isUnsent);

    expect(sent).toEqual(['a', 'b', 'c']);
    expect(outbox.busy).toBe(false);
    expect(outbox.takeReport()).toEqual({
      held: 3,
      flushed: 3,
      failed: 0,
      dropped: 0,
    });
    expect(outbox.takeReport()).toEqual({
      held: 0,
      flushed: 0,
      failed: 0,
      dropped: 0,
    });
  });

  it('sends nothing while the connection cannot send', async () => {
    const { outbox, sent, sender } = outboxAt();
    outbox.hold(sender('a'), 10);

    await outbox.flush(() => false, isUnsent);

    expect(sent).toEqual([]);
    expect(outbox.pending).toBe(1);
  });

  it('drops entries held longer than maxAgeMs, oldest first', async () => {
    const { outbox, sent, sender, advance } = outboxAt();
    const dropped: string[] = [];
    outbox.hold(sender('old'), 10, () => dropped.push('old'));
    advance(6_000);
    outbox.hold(sender('recent'), 10, () => dropped.push('recent'));
    advance(5_000);

    await outbox.flush(always, isUnsent);

    expect(dropped).toEqual(['old']);
    expect(sent).toEqual(['recent']);
    expect(outbox.takeReport()).toMatchObject({ flushed: 1, dropped: 1 });
  });

  it('drops the oldest entries to stay within maxBytes', async () => {
    const { outbox, sent, sender } = outboxAt();
    outbox.hold(sender('a'), 40);
    outbox.hold(sender('b'), 40);
    outbox.hold(sender('c'), 40);
    // Larger than the whole bound: nothing of it can be kept.
    outbox.hold(sender('huge'), 101);

    await outbox.flush(always, isUnsent);

    expect(sent).toEqual([]);
    expect(outbox.takeReport()).toMatchObject({ held: 4, dropped: 4 });

    outbox.hold(sender('d'), 60);
    outbox.hold(sender('e'), 60);
    await outbox.flush(always, isUnsent);
    expect(sent).toEqual(['e']);
  });

  it('holds again, ahead of newer entries, a publish that never reached Redis', async () => {
    const { outbox, sent, sender } = outboxAt();
    let connected = false;
    outbox.hold(() => {
      if (!connected) {
        return Promise.reject(new Unsent('not writable'));
      }
      sent.push('first');
      return Promise.resolve('offset');
    }, 10);
    outbox.hold(sender('second'), 10);

    let attempts = 0;
    await outbox.flush(() => {
      attempts += 1;
      return attempts === 1;
    }, isUnsent);
    expect(outbox.pending).toBe(1);

    connected = true;
    outbox.hold(sender('third'), 10);
    await outbox.flush(always, isUnsent);

    expect(sent).toEqual(['second', 'first', 'third']);
  });

  it('ends a flush of which nothing got through, though the connection still reads as ready', async () => {
    const { outbox, advance } = outboxAt();
    let attempts = 0;
    outbox.hold(() => {
      attempts += 1;
      // Time passes only between attempts: a flush that retried at once would run until the entry expires.
      advance(1);
      return Promise.reject(new Unsent('not writable'));
    }, 10);

    await outbox.flush(always, isUnsent);

    expect(attempts).toBe(1);
    expect(outbox.pending).toBe(1);
    expect(outbox.takeReport()).toMatchObject({ held: 1, dropped: 0 });
  });

  it('counts a failure that is not worth retrying once, and does not hold it again', async () => {
    const { outbox, sent, sender } = outboxAt();
    outbox.hold(() => Promise.reject(new Error('Command timed out')), 10);
    outbox.hold(() => {
      throw new Error('encoding failed');
    }, 10);
    outbox.hold(sender('next'), 10);

    await outbox.flush(always, isUnsent);

    expect(sent).toEqual(['next']);
    expect(outbox.busy).toBe(false);
    expect(outbox.takeReport()).toMatchObject({ flushed: 1, failed: 2 });
  });

  it('sends entries held during a flush in the same flush, after the earlier ones', async () => {
    const { outbox, sent, sender } = outboxAt();
    outbox.hold(() => {
      sent.push('a');
      outbox.hold(sender('late'), 10);
      return Promise.resolve('offset');
    }, 10);

    await outbox.flush(always, isUnsent);

    expect(sent).toEqual(['a', 'late']);
    expect(outbox.busy).toBe(false);
  });

  it('gives up every held entry when told to', () => {
    const { outbox, sender } = outboxAt();
    const dropped: string[] = [];
    outbox.hold(sender('a'), 10, () => dropped.push('a'));
    outbox.hold(sender('b'), 10, () => dropped.push('b'));

    outbox.dropAll();

    expect(dropped).toEqual(['a', 'b']);
    expect(outbox.busy).toBe(false);
  });
});

import { setTimeout as sleep } from 'node:timers/promises';
import { PresenceBatches, type PresenceEvent } from '../../runtime/presence.batches.js';

// Far above the few milliseconds the tests wait for the first batch, even on a loaded machine.
const INTERVAL_MS = 250;

describe('PresenceBatches', () => {
  let sent: PresenceEvent[];
  let batches: PresenceBatches;

  beforeEach(() => {
    sent = [];
    batches = new PresenceBatches(INTERVAL_MS, (event) => sent.push(event));
  });

  afterEach(() => batches.stop());

  it('sends the first change in a quiet room on the next tick', async () => {
    batches.record('general', 'alice', 'joined');
    batches.record('general', 'bob', 'joined');
    await sleep(5);

    expect(sent).toEqual([{ roomId: 'general', joined: ['alice', 'bob'], left: [], offline: [] }]);
  });

  it('holds later changes until the interval since the last batch ends', async () => {
    batches.record('general', 'alice', 'joined');
    await sleep(5);
    batches.record('general', 'bob', 'joined');
    batches.record('general', 'carol', 'offline');
    await sleep(5);
    expect(sent).toHaveLength(1);

    await sleep(INTERVAL_MS);

    expect(sent).toEqual([
      { roomId: 'general', joined: ['alice'], left: [], offline: [] },
      { roomId: 'general', joined: ['bob'], left: [], offline: ['carol'] },
    ]);
  });

  it('sends nothing for a user who joined and left within one interval', async () => {
    batches.record('general', 'alice', 'joined');
    await sleep(5);
    for (let round = 0; round < 10; round++) {
      batches.record('general', 'mallory', 'joined');
      batches.record('general', 'mallory', 'left');
    }

    await sleep(2 * INTERVAL_MS);

    expect(sent).toHaveLength(1);
  });

  it('keeps rooms apart', async () => {
    batches.record('general', 'alice', 'left');
    batches.record('support', 'alice', 'offline');
    await sleep(5);

    expect(sent).toEqual([
      { roomId: 'general', joined: [], left: ['alice'], offline: [] },
      { roomId: 'support', joined: [], left: [], offline: ['alice'] },
    ]);
  });

  it('drops what is pending once stopped', async () => {
    batches.record('general', 'alice', 'joined');
    batches.stop();
    batches.record('general', 'bob', 'joined');
    await sleep(INTERVAL_MS);

    expect(sent).toEqual([]);
  });
});

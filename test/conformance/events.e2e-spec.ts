import { setTimeout as sleep } from 'node:timers/promises';
import { RealtimeErrorCode, type ErrorPayload, type PresenceEvent } from 'nest-realtime';
import { collectEvents, nextEvent } from 'nest-realtime/testing';
import type { SaidEventDto } from './support/lobby.js';
import {
  PRESENCE_INTERVAL_MS,
  QUIET_WINDOW_MS,
  presenceAbout,
  presenceSettled,
  startLobby,
  untyped,
  type Lobby,
  type LobbyClient,
  say,
} from './support/lobby-testing.js';

/** Resolves once what the server sent `client` before answering it has arrived: one refused round trip. */
async function caughtUp(client: LobbyClient): Promise<void> {
  await say(client, 'anyone?', 'a-room-no-one-joined');
}

describe('events (conformance)', () => {
  let lobby: Lobby;

  beforeEach(async () => {
    lobby = await startLobby();
  });

  afterEach(() => lobby.close());

  /** `member` joins `roomId`, and `observer` (a member already) has heard of it. */
  async function joinSeenBy(observer: LobbyClient, member: LobbyClient, userId: string, roomId: string): Promise<void> {
    const announced = presenceAbout(observer, roomId, 'joined', userId);
    await lobby.join(member, roomId);
    await announced;
  }

  describe('rooms', () => {
    it('acks a join and tells the members of the room', async () => {
      const alice = await lobby.connectAs('alice');
      const bob = await lobby.connectAs('bob');
      await lobby.join(alice, 'general');
      const joined = presenceAbout(alice, 'general', 'joined', 'bob');

      const ack = await bob.emitWithAck('join', { roomId: 'general' });

      expect(ack).toEqual({ status: 'joined', roomId: 'general' });
      // bob's join may share a batch with alice's own.
      await expect(joined).resolves.toMatchObject({
        roomId: 'general',
        left: [],
        offline: [],
      });
    });

    it('relays a message to the other members only', async () => {
      const alice = await lobby.connectAs('alice');
      const bob = await lobby.connectAs('bob');
      const outsider = await lobby.connectAs('carol');
      await lobby.join(alice, 'general');
      await lobby.join(bob, 'general');
      const toSender = collectEvents(alice, 'said');
      const toOutsider = collectEvents(outsider, 'said');
      const delivered = nextEvent<SaidEventDto>(bob, 'said');

      const ack = await say(alice, 'hi bob');

      expect(ack).toEqual({ status: 'ok' });
      await expect(delivered).resolves.toEqual({
        sender: 'alice',
        content: 'hi bob',
      });
      await sleep(QUIET_WINDOW_MS);
      expect(toSender).toEqual([]);
      expect(toOutsider).toEqual([]);
    });

    it('stops relaying to a member who left, and tells the others', async () => {
      const alice = await lobby.connectAs('alice');
      const bob = await lobby.connectAs('bob');
      await lobby.join(alice, 'general');
      // Announced first: a join and a leave within one batch would cancel out.
      await joinSeenBy(alice, bob, 'bob', 'general');
      const left = presenceAbout(alice, 'general', 'left', 'bob');

      bob.emit('leave', { roomId: 'general' });

      await expect(left).resolves.toEqual({
        roomId: 'general',
        joined: [],
        left: ['bob'],
        offline: [],
      });
      const toBob = collectEvents(bob, 'said');
      await expect(say(alice, 'bye')).resolves.toEqual({ status: 'ok' });
      await sleep(QUIET_WINDOW_MS);
      expect(toBob).toEqual([]);
    });

    it('refuses a message to a room the socket has not joined', async () => {
      const alice = await lobby.connectAs('alice');

      const ack = await say(alice, 'hi');

      expect(ack).toEqual({
        status: 'error',
        code: RealtimeErrorCode.Forbidden,
        message: 'Join room general before sending to it',
      });
    });
  });

  describe('errors', () => {
    it('reports an invalid payload once, through the ack, naming the field', async () => {
      const alice = await lobby.connectAs('alice');
      await lobby.join(alice, 'general');
      const exceptions = collectEvents(alice, 'exception');

      const ack = await say(alice, '');

      expect(ack).toMatchObject({
        status: 'error',
        code: RealtimeErrorCode.ValidationFailed,
        fields: [{ field: 'content' }],
      });
      await sleep(QUIET_WINDOW_MS);
      expect(exceptions).toEqual([]);
    });

    it('rejects fields the event does not define', async () => {
      const alice = await lobby.connectAs('alice');
      // A variable, not a literal: the contract's types would refuse the extra field.
      const payload = { roomId: 'general', isAdmin: true };

      const ack = await alice.emitWithAck('join', payload);

      expect(ack).toMatchObject({
        status: 'error',
        code: RealtimeErrorCode.ValidationFailed,
        message: 'Validation failed: property isAdmin should not exist',
      });
    });

    it('handles an event sent without an ack like one with an ack', async () => {
      const alice = await lobby.connectAs('alice');
      const bob = await lobby.connectAs('bob');
      await lobby.join(alice, 'general');
      await lobby.join(bob, 'general');
      const delivered = nextEvent<SaidEventDto>(bob, 'said');

      untyped(alice).emit('say', {
        roomId: 'general',
        content: 'fire and forget',
      });

      await expect(delivered).resolves.toEqual({
        sender: 'alice',
        content: 'fire and forget',
      });
    });

    it('reports the error of an event without an ack as the exception event', async () => {
      const alice = await lobby.connectAs('alice');
      const exception = nextEvent<ErrorPayload>(alice, 'exception');

      untyped(alice).emit('say', { roomId: 'general', content: '' });

      await expect(exception).resolves.toMatchObject({
        status: 'error',
        code: RealtimeErrorCode.ValidationFailed,
        fields: [{ field: 'content' }],
      });
    });

    it('reports an unexpected error as INTERNAL, without what was thrown', async () => {
      const alice = await lobby.connectAs('alice');
      const internal = {
        status: 'error',
        code: RealtimeErrorCode.Internal,
        message: 'Internal server error',
      };

      await expect(alice.emitWithAck('crash', { roomId: 'general' })).resolves.toEqual(internal);

      const exception = nextEvent<ErrorPayload>(alice, 'exception');
      untyped(alice).emit('crash', { roomId: 'general' });
      await expect(exception).resolves.toEqual(internal);
    });
  });

  describe('presence', () => {
    it('tells the members of the user’s rooms, and no one else, when their last socket leaves', async () => {
      const member = await lobby.connectAs('bob');
      const stranger = await lobby.connectAs('carol');
      const aliceTab = await lobby.connectAs('alice');
      const alicePhone = await lobby.connectAs('alice');
      await lobby.join(member, 'general');
      await joinSeenBy(member, aliceTab, 'alice', 'general');
      await lobby.join(alicePhone, 'general');
      await joinSeenBy(stranger, stranger, 'carol', 'elsewhere');
      const toStranger = collectEvents(stranger, 'presence');
      const toMember = collectEvents(member, 'presence');

      // She is still in the room on her phone: nothing changed for its members.
      aliceTab.disconnect();
      await sleep(QUIET_WINDOW_MS);
      expect(toMember).toEqual([]);
      const offline = nextEvent<PresenceEvent>(member, 'presence');
      alicePhone.disconnect();

      await expect(offline).resolves.toEqual({
        roomId: 'general',
        joined: [],
        left: [],
        offline: ['alice'],
      });
      await sleep(QUIET_WINDOW_MS);
      expect(toStranger).toEqual([]);
    });

    it('tells the members of a room that a user left it when her only socket in it closed, though she is still connected', async () => {
      const member = await lobby.connectAs('bob');
      const aliceTab = await lobby.connectAs('alice');
      const alicePhone = await lobby.connectAs('alice');
      await lobby.join(member, 'side');
      await joinSeenBy(member, aliceTab, 'alice', 'side');
      const left = presenceAbout(member, 'side', 'left', 'alice');

      aliceTab.disconnect();

      // As when her phone is on another instance (see scale-out): the room's messages no longer reach her.
      await expect(left).resolves.toEqual({
        roomId: 'side',
        joined: [],
        left: ['alice'],
        offline: [],
      });
      expect(alicePhone.connected).toBe(true);
    });

    it('sends a room at most one batch per interval, with only the net change', async () => {
      const member = await lobby.connectAs('bob');
      await joinSeenBy(member, member, 'bob', 'busy');
      const toggler = await lobby.connectAs('mallory');
      const batches = collectEvents<PresenceEvent>(member, 'presence');

      const started = Date.now();
      for (let round = 0; round < 5; round++) {
        await lobby.join(toggler, 'busy');
        // A socket's events are handled in order, so the next join follows this leave.
        toggler.emit('leave', { roomId: 'busy' });
      }
      await lobby.join(toggler, 'busy');
      const intervals = Math.floor((Date.now() - started) / PRESENCE_INTERVAL_MS);
      await presenceSettled();
      await caughtUp(member);

      // 11 changes: the first goes out at once, then at most one batch per
      // interval they took (none on a quick machine), then the rest.
      expect(batches.length).toBeLessThanOrEqual(2 + intervals);
      expect(batches.length).toBeLessThan(11);
      expect(batches.at(-1)).toMatchObject({ joined: ['mallory'] });
    });
  });
});

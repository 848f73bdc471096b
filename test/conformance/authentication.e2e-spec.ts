import { Injectable } from '@nestjs/common';
import { setTimeout as sleep } from 'node:timers/promises';
import { RealtimeAuthPolicy, RealtimeErrorCode, type RealtimeTokenClaims, type RealtimeUser } from 'nest-realtime';
import {
  TEST_TIMEOUT_MS,
  connected,
  disconnected,
  nextEvent,
  nowSeconds,
  refused,
  signTestToken,
} from 'nest-realtime/testing';
import { startLobby, type Lobby } from './support/lobby-testing.js';

/** A team's policy: the user is the `uid` claim, and suspended users are refused. */
@Injectable()
class TeamAuthPolicy extends RealtimeAuthPolicy {
  override authenticate(claims: RealtimeTokenClaims): RealtimeUser {
    if (claims.suspended === true) {
      this.forbid('This account is suspended');
    }
    return { userId: typeof claims.uid === 'string' ? claims.uid : claims.sub };
  }
}

describe('authentication (conformance)', () => {
  let lobby: Lobby;

  afterEach(() => lobby.close());

  describe('handshake', () => {
    beforeEach(async () => {
      lobby = await startLobby();
    });

    it('refuses a client without a token', async () => {
      await expect(refused(lobby.open())).resolves.toEqual({
        message: 'Unauthorized: missing token',
        code: RealtimeErrorCode.Unauthorized,
      });
    });

    it.each([
      [
        'signed with another secret',
        () => signTestToken({ sub: 'mallory', exp: nowSeconds() + 60 }, { secret: 'not-the-server-secret' }),
        'Unauthorized: invalid token',
      ],
      ['that expired', () => signTestToken({ sub: 'alice', exp: nowSeconds() - 60 }), 'Unauthorized: token expired'],
      ['without an expiry', () => signTestToken({ sub: 'alice' }), 'Unauthorized: token has no expiry (exp)'],
      [
        'that is not valid yet',
        () =>
          signTestToken({
            sub: 'alice',
            nbf: nowSeconds() + 600,
            exp: nowSeconds() + 900,
          }),
        'Unauthorized: token not yet valid',
      ],
      [
        'that claims to live longer than allowed',
        () => signTestToken({ sub: 'alice', exp: nowSeconds() + 365 * 86_400 }),
        'Unauthorized: token lifetime exceeds the maximum',
      ],
      [
        'with alg none',
        () =>
          signTestToken({ sub: 'alice', exp: nowSeconds() + 60 }, { header: { alg: 'none' } })
            .split('.')
            .slice(0, 2)
            .join('.') + '.',
        'Unauthorized: token algorithm not allowed',
      ],
      [
        'signed with HS512',
        () => signTestToken({ sub: 'alice', exp: nowSeconds() + 60 }, { header: { alg: 'HS512' } }),
        'Unauthorized: token algorithm not allowed',
      ],
    ])('refuses a token %s', async (_case, token, message) => {
      await expect(refused(lobby.open({ token: token() }))).resolves.toEqual({
        message,
        code: RealtimeErrorCode.Unauthorized,
      });
    });

    it('disconnects a socket when its token expires', async () => {
      const expiresIn = 2;
      const client = lobby.open({
        token: lobby.token('alice', { lifetimeSeconds: expiresIn }),
      });
      await connected(client);
      const closed = disconnected(client);

      const notice = await nextEvent(client, 'exception', {
        timeoutMs: expiresIn * 1000 + TEST_TIMEOUT_MS,
      });

      expect(notice).toEqual({
        status: 'error',
        code: RealtimeErrorCode.Unauthorized,
        message: 'Unauthorized: token expired',
      });
      await expect(closed).resolves.toBe('io server disconnect');
    });

    it('accepts a bearer token in the Authorization header', async () => {
      const client = lobby.open({
        headers: { authorization: `Bearer ${lobby.token('alice')}` },
      });

      await expect(connected(client)).resolves.toBeUndefined();
    });
  });

  it('refuses a browser origin missing from the allowed origins, read from the variable the app names', async () => {
    lobby = await startLobby({
      realtime: { corsOriginsVariable: 'ALLOWED_ORIGINS' },
      env: { ALLOWED_ORIGINS: 'https://app.example' },
    });
    const token = lobby.token('alice');

    await expect(refused(lobby.open({ token, headers: { origin: 'https://evil.example' } }))).resolves.toBeDefined();
    await expect(connected(lobby.open({ token, headers: { origin: 'https://app.example' } }))).resolves.toBeUndefined();
  });

  describe("the app's auth policy", () => {
    beforeEach(async () => {
      lobby = await startLobby({ realtime: { authPolicy: TeamAuthPolicy } });
    });

    it('names the user as the policy says, for every socket of theirs', async () => {
      const tab = lobby.open({
        token: lobby.token('sub-1', { claims: { uid: 'alice' } }),
      });
      await connected(tab);
      const bob = await lobby.connectAs('bob');
      await lobby.join(tab, 'general');
      await lobby.join(bob, 'general');
      const said = nextEvent(bob, 'said');

      await tab.emitWithAck('say', { roomId: 'general', content: 'hi' });

      await expect(said).resolves.toEqual({ sender: 'alice', content: 'hi' });
    });

    it('refuses whom the policy refuses, with its code and message', async () => {
      const suspended = lobby.open({
        token: lobby.token('mallory', { claims: { suspended: true } }),
      });

      await expect(refused(suspended)).resolves.toEqual({
        message: 'This account is suspended',
        code: RealtimeErrorCode.Forbidden,
      });
    });
  });

  describe('refreshToken', () => {
    beforeEach(async () => {
      lobby = await startLobby();
    });

    it('extends the connection with a newer token of the same user', async () => {
      const client = lobby.open({
        token: lobby.token('alice', { lifetimeSeconds: 2 }),
      });
      await connected(client);

      const ack = await client.emitWithAck('refreshToken', {
        token: lobby.token('alice', { lifetimeSeconds: 60 }),
      });

      expect(ack).toMatchObject({ status: 'refreshed' });
      expect('expiresAt' in ack && ack.expiresAt).toBeGreaterThan(Date.now() + 50_000);
      await sleep(2_500);
      expect(client.connected).toBe(true);
      await expect(client.emitWithAck('join', { roomId: 'after-refresh' })).resolves.toEqual({
        status: 'joined',
        roomId: 'after-refresh',
      });
    });

    it("refuses another user's or an invalid token and keeps the old expiry", async () => {
      const client = lobby.open({
        token: lobby.token('alice', { lifetimeSeconds: 2 }),
      });
      await connected(client);
      const closed = disconnected(client);

      await expect(client.emitWithAck('refreshToken', { token: lobby.token('mallory') })).resolves.toMatchObject({
        status: 'error',
        code: RealtimeErrorCode.Forbidden,
      });
      await expect(
        client.emitWithAck('refreshToken', {
          token: signTestToken({ sub: 'alice', exp: nowSeconds() + 60 }, { secret: 'not-the-server-secret' }),
        }),
      ).resolves.toEqual({
        status: 'error',
        code: RealtimeErrorCode.Unauthorized,
        message: 'Unauthorized: invalid token',
      });
      await expect(client.emitWithAck('refreshToken', { token: '' })).resolves.toMatchObject({
        code: RealtimeErrorCode.ValidationFailed,
      });

      await expect(closed).resolves.toBe('io server disconnect');
    });
  });
});

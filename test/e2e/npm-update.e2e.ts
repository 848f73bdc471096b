import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { freshApp, snapshotSources, tarball } from './support/apps';
import { ack, connect, delay, Inbox, RunningApp, startApp, tokenFor } from './support/contract';
import { PREVIOUS_RUNTIME_RELEASE, packRelease } from './support/releases';
import { recordNote } from './support/report';
import { run } from './support/shell';

/** Long enough for a presence batch (1 s apart at most) to have gone out. */
const PRESENCE_WAIT_MS = 2_500;

/** The app's own sources and tests: what regenerating would change, and an update must not. */
function ownFiles(app: string): Map<string, string> {
  return new Map([...snapshotSources(app)].filter(([path]) => /^(src|test)\//.test(path)));
}

/**
 * What bob, in a room with alice, hears when she closes the one tab of hers in that room and stays
 * connected on her phone: the behaviour 0.2.1 fixed (0.2.0 told the room nothing, though its messages no
 * longer reached her).
 */
async function presenceWhenTabCloses(running: RunningApp): Promise<unknown[]> {
  const bob = await connect(running, '/chat', tokenFor(running, 'bob'));
  const tab = await connect(running, '/chat', tokenFor(running, 'alice'));
  const phone = await connect(running, '/chat', tokenFor(running, 'alice'));
  try {
    const inbox = new Inbox(bob);
    await ack(bob, 'joinRoom', { roomId: 'general' });
    await ack(tab, 'joinRoom', { roomId: 'general' });
    await inbox.first('presence', (event) => (event.joined as string[]).includes('alice'));
    const before = inbox.named('presence').length;

    tab.close();
    await delay(PRESENCE_WAIT_MS);

    return inbox.named('presence').slice(before);
  } finally {
    for (const socket of [bob, tab, phone]) {
      socket.close();
    }
  }
}

/**
 * A fix reaches apps by `npm update` alone: an app generated with the previous runtime release (its schematics
 * and runtime), built and run, shows the behaviour the fix changed; `npm install` of this release, with no
 * schematic run, no source changed and no rebuild, and the running app behaves as fixed.
 */
describe(`a fix reaching an app made with ${PREVIOUS_RUNTIME_RELEASE} by npm install alone`, () => {
  let app: string;

  beforeAll(() => {
    app = freshApp(12, 'npm-update');
    run('npm', ['install', '--save-prod', '--no-audit', '--no-fund', packRelease(PREVIOUS_RUNTIME_RELEASE)], app);
    run('npx', ['nest', 'add', 'nest-realtime', '--skip-install'], app);
    run('npm', ['install', '--no-audit', '--no-fund'], app);
    run('npx', ['nest', 'g', 'realtime-gateway', 'chat'], app);
    run('npm', ['run', 'build'], app);
  });

  it('tells the room nothing when a still-connected user closes her only socket in it, on the previous release', async () => {
    const running = await startApp(app);
    try {
      expect(await presenceWhenTabCloses(running)).toEqual([]);
    } finally {
      running.process.kill('SIGTERM');
    }
  });

  it('tells the room she left once this release is installed, with nothing regenerated or rebuilt', async () => {
    const sources = ownFiles(app);
    const installed = (version: string) =>
      (JSON.parse(readFileSync(join(app, 'node_modules/nest-realtime/package.json'), 'utf-8')) as { version: string })
        .version === version;
    expect(installed('0.2.0')).toBe(true);

    run('npm', ['install', '--save-prod', '--no-audit', '--no-fund', tarball()], app);

    expect(installed('0.2.0')).toBe(false);
    expect(ownFiles(app)).toEqual(sources);
    const running = await startApp(app);
    try {
      expect(await presenceWhenTabCloses(running)).toEqual([
        { roomId: 'general', joined: [], left: ['alice'], offline: [] },
      ]);
    } finally {
      running.process.kill('SIGTERM');
    }
    recordNote(
      `npm install from ${PREVIOUS_RUNTIME_RELEASE}`,
      'the presence fix reached the built app without a schematic run, a source change or a rebuild',
    );
  });
});

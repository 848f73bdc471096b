import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runDir } from './support/apps';
import { freePort, waitFor } from './support/contract';
import { checkPlaygroundReady } from './support/playground';
import { recordNote } from './support/report';
import { cleanEnvironment } from './support/shell';

const root = join(__dirname, '..', '..');
const BANNER = 'nest-realtime demo is running';
/** Packing, scaffolding, installing, generating and building from scratch: under a minute on 2 cores. */
const BANNER_WITHIN_MS = 5 * 60_000;
/** Ctrl-C: the app drains its clients and exits, then the demo and npm follow. */
const STOPPED_WITHIN_MS = 15_000;

/**
 * `npm run demo` as a person starts it in a terminal and then types nothing: under a pseudo-terminal (one
 * without a size, as `script` makes it when it has no terminal itself), with an input that stays open and
 * empty until Ctrl-C. A question anywhere, or a tool that never finishes drawing its spinner, would leave
 * the demo waiting, and this test would time out.
 */
describe('npm run demo in a terminal, with nobody typing', () => {
  it('scaffolds a fresh app, starts it and says where everything is, with two users ready in the playground; Ctrl-C stops it', async () => {
    const port = await freePort();
    const demoDir = join(runDir(), 'demo');
    // CI set in a terminal would make every tool non-interactive and hide the questions this test is about.
    const { CI: _ci, ...env } = cleanEnvironment();
    const startedAt = performance.now();
    const demo = spawn('script', ['-qec', `npm run demo -- --fresh --dir ${demoDir} --port ${port}`, '/dev/null'], {
      cwd: root,
      env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let output = '';
    // As the terminal shows it: line ends without \r, colours dropped.
    const append = (chunk: Buffer) => (output += chunk.toString().replace(/\r|\u001b\[[0-9;?]*[A-Za-z]/g, ''));
    demo.stdout.on('data', append);
    demo.stderr.on('data', append);
    const ended = () => demo.exitCode !== null || demo.signalCode !== null;
    try {
      await waitFor(() => output.includes(BANNER) || ended(), BANNER_WITHIN_MS, 'running banner');
      expect({ banner: output.includes(BANNER), exitCode: demo.exitCode }).toEqual({ banner: true, exitCode: null });
      const seconds = ((performance.now() - startedAt) / 1000).toFixed(0);

      const appDir = join(demoDir, 'nest12', 'realtime-demo');
      expect(output).toContain(`app in ${appDir}`);
      expect(output).toContain(`URL        http://localhost:${port}`);
      expect(output).toMatch(/Token      \S+\.\S+\.\S+/);
      expect((await fetch(`http://127.0.0.1:${port}/health/live`)).status).toBe(200);
      const playground = `http://localhost:${port}/realtime/playground?connect=alice,bob&namespace=/chat`;
      expect(output).toContain(`Playground ${playground}`);
      const chromium = await checkPlaygroundReady(playground, ['alice', 'bob']);
      // The Nest 12 CLI's questions, as the demo answers them: ESM (the default), and no @nestjs/observe (whose
      // default is yes).
      const manifest = JSON.parse(readFileSync(join(appDir, 'package.json'), 'utf-8')) as {
        type?: string;
        dependencies: Record<string, string>;
      };
      expect(manifest.type).toBe('module');
      expect(Object.keys(manifest.dependencies)).not.toContain('@nestjs/observe');

      // Ctrl-C as a person types it: the terminal turns it into SIGINT for the demo and everything it started.
      demo.stdin.write('\x03');
      await waitFor(ended, STOPPED_WITHIN_MS, 'end of the demo after Ctrl-C');
      expect(
        await fetch(`http://127.0.0.1:${port}/health/live`).then(
          () => 'still serving',
          () => 'stopped',
        ),
      ).toBe('stopped');
      recordNote(
        'npm run demo under a pseudo-terminal, no input',
        `running banner after ${seconds} s; its playground URL showed alice and bob connected in Chromium ` +
          `${chromium}; Ctrl-C stopped it (exit code ${demo.exitCode})`,
      );
    } catch (error) {
      throw new Error(`${(error as Error).message}\n--- demo output ---\n${output.slice(-12_000)}`);
    } finally {
      demo.stdin.end();
      if (!ended()) {
        demo.kill('SIGKILL');
      }
    }
  });
});

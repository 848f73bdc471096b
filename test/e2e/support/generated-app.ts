import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkChatContract, checkSharedDrain } from './chat-contract';
import { checkAsyncApiDocument, checkFrontendContract, checkWorkerPush } from './api-growth';
import { checkJwksContract } from './jwks-contract';
import {
  checkPlaygroundInBrowser,
  checkPlaygroundOrigins,
  checkPlaygroundRefusedInProduction,
  checkPlaygroundWithPastedToken,
} from './playground';
import { freshApp, installPackage, nest, snapshotSources } from './apps';
import { runConformance } from './conformance';
import { HostMajor, STRICT_LINT } from './hosts';
import { checkRuntimeLayout } from './layout';
import { recordTestCounts } from './report';
import { run, runAllowingFailure } from './shell';

/** Files our schematic writes for a feature, relative to the app. */
const generatedPaths = (feature: string) => [`src/realtime`, `src/${feature}`, `test/${feature}.e2e-spec.ts`];

/**
 * The main scenario for one host: a fresh app, `nest g -c nest-realtime realtime-gateway chat`, the app's own
 * build, lint and tests, the runtime's conformance suite on the packed package, the contract on the built
 * app, re-runs, bad input, `--dry-run`, then the API grown (a gateway of each type, events added, within the
 * size budgets), its AsyncAPI document, a worker's push, and one shutdown drain. One file per major
 * (generated-app-nest11/12.e2e.ts), so the harness can run the two hosts side by side.
 */
export function describeGeneratedApp(major: HostMajor): void {
  describe(`a fresh Nest ${major} app`, () => {
    let app: string;

    beforeAll(() => {
      app = freshApp(major, 'gateway');
      installPackage(app);
      nest(app, ['g', '-c', 'nest-realtime', 'realtime-gateway', 'chat']);
    });

    it('gets its dependencies installed by the schematic itself, the runtime among them', () => {
      const manifest = JSON.parse(readFileSync(join(app, 'package.json'), 'utf-8')) as {
        dependencies: Record<string, string>;
        devDependencies: Record<string, string>;
      };
      expect(manifest.dependencies['@nestjs/websockets']).toMatch(new RegExp(`^\\^${major}\\.`));
      // Installed with npm i -D, moved to dependencies: the app imports it when it runs.
      expect(manifest.dependencies['nest-realtime']).toMatch(/\.tgz$/);
      expect(manifest.devDependencies['nest-realtime']).toBeUndefined();
      expect(existsSync(join(app, 'node_modules/@nestjs/platform-socket.io/package.json'))).toBe(true);
      expect(run('npm', ['ls', 'socket.io', '--all', '--parseable'], app).trim().split('\n')).toHaveLength(1);
    });

    it("is formatted as the host's prettier formats it", () => {
      run('npx', ['prettier', '--check', ...generatedPaths('chat')], app);
    });

    it('builds', () => {
      run('npm', ['run', 'build'], app);
      expect(existsSync(join(app, 'dist/main.js'))).toBe(true);
    });

    it('behaves as the contract says when started with node dist/main.js', async () => {
      await checkChatContract(app, '/chat', `Nest ${major} contract`);
    });

    it("verifies an identity provider's tokens against its JWKS once JWKS_URI is set", async () => {
      await checkJwksContract(app, '/chat', `Nest ${major}`);
    });

    it('lints with zero errors, and our files with zero warnings', () => {
      run('npm', ['run', 'lint'], app);
      const [command, args] = STRICT_LINT[major](generatedPaths('chat'));
      run(command, args, app);
    });

    it('passes its generated unit tests', () => {
      const output = run('npm', ['test'], app);
      expect(output).toMatch(/chat\.gateway\.spec/);
      recordTestCounts(`Nest ${major} unit`, output);
    });

    it('passes its generated e2e tests', () => {
      const output = run('npm', ['run', 'test:e2e'], app);
      expect(output).toMatch(/chat\.e2e-spec/);
      recordTestCounts(`Nest ${major} e2e`, output);
    });

    it('owns a small setup, depends on the runtime, and tests the feature only', () => {
      checkRuntimeLayout(app, `Nest ${major}`, [
        { gateway: 'src/chat/chat.gateway.ts', e2eSpec: 'test/chat.e2e-spec.ts', maxE2eLines: 300 },
      ]);
    });

    it("passes the runtime's conformance suite on this host, with a real redis-server", () => {
      const output = runConformance(app, major, `Nest ${major}`);
      expect(output).toMatch(/scale-out\.e2e-spec/);
    });

    it('gives a frontend a contract that compiles, and refuses a wrong payload type', () => {
      checkFrontendContract(app, `Nest ${major}`);
    });

    it('changes nothing on disk when the schematic runs again', () => {
      const before = snapshotSources(app);
      nest(app, ['g', '-c', 'nest-realtime', 'realtime-gateway', 'chat']);
      expect(snapshotSources(app)).toEqual(before);
    });

    it('writes nothing for a bad name, and says why', () => {
      const before = snapshotSources(app);
      for (const name of ['123abc', '123']) {
        const result = runAllowingFailure('npx', ['nest', 'g', '-c', 'nest-realtime', 'realtime-gateway', name], app);
        expect(result.output).toContain(`"${name}" is not a valid feature name`);
      }
      expect(snapshotSources(app)).toEqual(before);
    });

    it('writes nothing with --dry-run (through the rtg alias)', () => {
      const before = snapshotSources(app);
      const output = nest(app, ['g', '-c', 'nest-realtime', 'rtg', 'news', '--dry-run']);
      expect(output).toMatch(/src\/news\/news\.gateway\.ts/);
      expect(snapshotSources(app)).toEqual(before);
    });

    it('drains its one gateway once on SIGTERM', async () => {
      await checkSharedDrain(app, ['/chat'], `Nest ${major}`);
    });

    describe('grown: a gateway of every type, and events added to them', () => {
      /** The commands of issue "Grow a realtime API", through the real Nest CLI; each must be idempotent. */
      const GATEWAY_COMMANDS = [
        ['realtime-gateway', 'alerts', '--type', 'push'],
        ['realtime-gateway', 'admin/ops', '--type', 'blank'],
      ];
      const EVENT_COMMANDS = [
        ['realtime-event', 'chat/typing'],
        ['realtime-event', 'alerts/orderShipped', '--type', 'emit'],
      ];
      const GATEWAYS = [
        { namespace: '/chat', eventsFile: 'src/chat/chat.events.ts' },
        { namespace: '/v1/notifications', eventsFile: 'src/notifications/notifications.events.ts' },
        { namespace: '/alerts', eventsFile: 'src/alerts/alerts.events.ts' },
        { namespace: '/ops', eventsFile: 'src/admin/ops/ops.events.ts' },
      ];

      beforeAll(() => {
        // Through the schematics CLI, which forwards every option (the Nest CLI rejects --namespace).
        run(
          'npx',
          ['schematics', 'nest-realtime:realtime-gateway', 'notifications', '--namespace=/v1/notifications'],
          app,
        );
        const generate = (command: string[]) =>
          expect(nest(app, ['g', '-c', 'nest-realtime', ...command])).not.toMatch(/Failed to execute|Error:/);
        GATEWAY_COMMANDS.forEach(generate);
        // The e2e budgets hold for the specs as realtime-gateway writes them, before events add tests.
        checkRuntimeLayout(app, `Nest ${major}, push and blank as generated`, [
          { gateway: 'src/alerts/alerts.gateway.ts', e2eSpec: 'test/alerts.e2e-spec.ts', maxE2eLines: 200 },
          { gateway: 'src/admin/ops/ops.gateway.ts', e2eSpec: 'test/ops.e2e-spec.ts', maxE2eLines: 100 },
        ]);
        EVENT_COMMANDS.forEach(generate);
      });

      it('registers the runtime once and each feature once', () => {
        const appModule = readFileSync(join(app, 'src/app.module.ts'), 'utf-8');
        for (const module of ['RealtimeModule', 'ChatModule', 'NotificationsModule', 'AlertsModule', 'OpsModule']) {
          expect(appModule.match(new RegExp(`\\b${module}\\b`, 'g'))).toHaveLength(2);
        }
        checkRuntimeLayout(app, `Nest ${major}, four gateways grown`, [
          { gateway: 'src/chat/chat.gateway.ts', e2eSpec: 'test/chat.e2e-spec.ts' },
          { gateway: 'src/alerts/alerts.gateway.ts', e2eSpec: 'test/alerts.e2e-spec.ts' },
          { gateway: 'src/admin/ops/ops.gateway.ts', e2eSpec: 'test/ops.e2e-spec.ts' },
        ]);
        expect(readFileSync(join(app, 'src/notifications/notifications.gateway.ts'), 'utf-8')).toContain(
          "namespace: '/v1/notifications'",
        );
        const main = readFileSync(join(app, 'src/main.ts'), 'utf-8');
        expect(main.match(/enableShutdownHooks/g)).toHaveLength(1);
        expect(main.match(/await useRealtimeAdapter\(app\);/g)).toHaveLength(1);
      });

      it('changes nothing on disk when each command runs again', () => {
        const before = snapshotSources(app);
        for (const command of [...GATEWAY_COMMANDS, ...EVENT_COMMANDS]) {
          nest(app, ['g', '-c', 'nest-realtime', ...command]);
        }
        expect(snapshotSources(app)).toEqual(before);
      });

      it('still builds, lints and passes every test (chat again, for its typing event)', () => {
        const paths = [
          ...generatedPaths('chat'),
          ...generatedPaths('notifications'),
          ...generatedPaths('alerts'),
          'test/alerts.scale-out.e2e-spec.ts',
          'src/admin/ops',
          'test/ops.e2e-spec.ts',
          'src/asyncapi.ts',
          'test/asyncapi.e2e-spec.ts',
        ];
        run('npx', ['prettier', '--check', ...paths], app);
        run('npm', ['run', 'build'], app);
        run('npm', ['run', 'lint'], app);
        const [command, args] = STRICT_LINT[major](paths);
        run(command, args, app);
        const unit = run('npm', ['test'], app);
        expect(unit).toMatch(/alerts\.gateway\.spec/);
        recordTestCounts(`Nest ${major} unit, four gateways grown`, unit);
        // Each gateway's e2e specs start the whole app, so these also prove the gateways run side by side.
        const e2e = run(
          'npm',
          ['run', 'test:e2e', '--', 'chat.e2e', 'notifications', 'alerts', 'ops', 'asyncapi'],
          app,
        );
        for (const spec of ['chat', 'notifications', 'alerts', 'alerts.scale-out', 'ops', 'asyncapi']) {
          expect(e2e).toMatch(new RegExp(`${spec.replace('.', '\\.')}\\.e2e-spec`));
        }
        recordTestCounts(`Nest ${major} e2e of chat, notifications, alerts, ops and asyncapi, grown`, e2e);
      });

      it('writes an AsyncAPI 3.0 document that parses and lists every event of every gateway', () => {
        checkAsyncApiDocument(app, GATEWAYS, `Nest ${major}`);
      });

      it('serves the socket playground in development only, and it works in Chromium', async () => {
        await checkPlaygroundRefusedInProduction(app, `Nest ${major}`);
        await checkPlaygroundInBrowser(
          app,
          GATEWAYS.map(({ namespace }) => namespace),
          `Nest ${major}`,
          `playground-nest${major}.png`,
        );
        await checkPlaygroundWithPastedToken(app, `Nest ${major}`);
        await checkPlaygroundOrigins(app, `Nest ${major}`);
      });

      it('lets a worker without sockets push to a user of the app through Redis', async () => {
        await checkWorkerPush(app, `Nest ${major}`);
      });

      it('drains all four gateways once on SIGTERM, with one pause', async () => {
        await checkSharedDrain(app, ['/chat', '/v1/notifications', '/alerts', '/ops'], `Nest ${major}`);
      });
    });
  });
}

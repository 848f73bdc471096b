/**
 * What issue "Grow a realtime API" promises beyond each feature's own tests, checked on a generated app with
 * the app's own toolchain: the contract compiles in a frontend, and catches a wrong payload.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { recordNote } from './report';
import { run, runAllowingFailure } from './shell';

/** A frontend's tsconfig: bundler resolution, the DOM, no Node types and no decorators. */
const FRONTEND_TSCONFIG = {
  compilerOptions: {
    target: 'ES2022',
    module: 'ESNext',
    moduleResolution: 'Bundler',
    lib: ['ES2022', 'DOM'],
    types: [],
    strict: true,
    skipLibCheck: true,
    noEmit: true,
  },
  include: ['*.ts'],
};

const FRONTEND_PAGE = (emit: string) => `import { io, type Socket } from 'socket.io-client';
import type { ClientToServerEvents, ServerToClientEvents } from '../src/chat/chat.events';

const socket: Socket<ServerToClientEvents, ClientToServerEvents> = io('https://api.example.com/chat', {
  transports: ['websocket'],
  auth: { token: 'a user token' },
});
socket.on('newMessage', (message) => console.log(message.sender, message.content.toUpperCase()));
${emit}
`;

/**
 * A frontend file that imports only `src/chat/chat.events.ts` and socket.io-client compiles with the app's
 * TypeScript; the same file emitting a number where the contract says string does not. The folder is
 * removed afterwards, so the app's build and lint never see it.
 */
export function checkFrontendContract(appDir: string, label: string): void {
  const dir = join(appDir, 'frontend');
  mkdirSync(dir, { recursive: true });
  try {
    writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify(FRONTEND_TSCONFIG, null, 2));
    const page = join(dir, 'chat-page.ts');
    writeFileSync(
      page,
      FRONTEND_PAGE(
        "void socket.emitWithAck('sendMessage', { roomId: 'lobby', content: 'hi' }).then((ack) =>\n" +
          "  ack.status === 'error' ? console.warn(ack.code) : console.log(ack.messageId),\n);",
      ),
    );
    const loaded = run('npx', ['tsc', '-p', 'frontend/tsconfig.json', '--listFiles'], appDir)
      .split('\n')
      .filter((file) => file.includes('/src/'));
    expect(loaded.map((file) => file.slice(file.indexOf('/src/')))).toEqual(
      expect.arrayContaining(['/src/chat/chat.events.ts', '/src/realtime/realtime.contract.ts']),
    );
    expect(
      loaded.filter((file) => !/\/src\/(chat\/chat\.events|realtime\/realtime\.contract)\.ts$/.test(file)),
    ).toEqual([]);
    recordNote(`${label} frontend (contract + socket.io-client)`, `compiles; loads ${loaded.length} app files`);

    writeFileSync(page, FRONTEND_PAGE("void socket.emitWithAck('sendMessage', { roomId: 'lobby', content: 42 });"));
    const wrong = runAllowingFailure('npx', ['tsc', '-p', 'frontend/tsconfig.json'], appDir);
    expect(wrong.status).not.toBe(0);
    expect(wrong.output).toMatch(
      /frontend\/chat-page\.ts\(9,\d+\): error TS2322: Type 'number' is not assignable to type 'string'/,
    );
    recordNote(`${label} frontend, wrong payload`, wrong.output.trim().split('\n')[0]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

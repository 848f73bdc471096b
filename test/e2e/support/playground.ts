import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createTcpServer, connect as tcpConnect, type Server as TcpServer } from 'node:net';
import { join } from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { runDir } from './apps';
import { launchChromium } from './browser';
import { startApp, tokenFor, waitFor } from './contract';
import { recordNote } from './report';

const PLAYGROUND = '/realtime/playground';
const WAIT_MS = 10_000;

function connection(page: Page, number: number): Locator {
  return page.locator(`[data-connection="${number}"]`);
}

async function connected(card: Locator): Promise<void> {
  await card.and(card.page().locator('[data-state="connected"]')).waitFor({ timeout: WAIT_MS });
}

/** Emits the card's chosen event with its payload as it stands, from the keyboard (Ctrl+Enter). */
async function emit(card: Locator, event: string, payload?: string): Promise<void> {
  await card.getByLabel('Event').selectOption(event);
  const field = card.getByLabel(/Payload/);
  if (payload !== undefined) {
    await field.fill(payload);
  }
  await field.press('Control+Enter');
}

/**
 * With NODE_ENV=production the playground is not served whatever REALTIME_PLAYGROUND says, and the app says
 * so in one line. Returns the response, for the note.
 */
export async function checkPlaygroundRefusedInProduction(appDir: string, label: string): Promise<void> {
  const app = await startApp(appDir, [], 'dist/main.js', { REALTIME_PLAYGROUND: '1' });
  try {
    const response = await fetch(`${app.url}${PLAYGROUND}`);
    const body = await response.text();
    await waitFor(() => /REALTIME_PLAYGROUND=1 is ignored/.test(app.output()), WAIT_MS, 'the ignored-playground line');
    const line = app
      .output()
      .split('\n')
      .find((candidate) => candidate.includes('REALTIME_PLAYGROUND=1 is ignored'))
      ?.replace(/\u001b\[[0-9;]*m/g, '')
      .replace(/^.*\] /, '');
    expect(response.status).toBe(404);
    expect(body).not.toContain('<html');
    expect(line).toBe(
      'REALTIME_PLAYGROUND=1 is ignored: the socket playground is not served with NODE_ENV=production.',
    );
    recordNote(
      `${label} playground, NODE_ENV=production REALTIME_PLAYGROUND=1`,
      `GET ${PLAYGROUND} → ${response.status} ${body}; logged "${line}"`,
    );
  } finally {
    app.process.kill('SIGKILL');
  }
}

/**
 * The playground in a real Chromium at 1280×800, as a person uses it: two users opened from the URL, both
 * join a room, one sends and the other sees it; a bad payload shows the validation error's code; a third
 * connection opened from the keyboard alone. Every namespace of the app must be offered. Saves a screenshot
 * in the run folder.
 */
export async function checkPlaygroundInBrowser(
  appDir: string,
  namespaces: string[],
  label: string,
  screenshotName: string,
): Promise<void> {
  // Development, no JWT_SECRET: the development secret, so the playground mints the tokens.
  const app = await startApp(appDir, [], 'dist/main.js', {
    NODE_ENV: 'development',
    REALTIME_PLAYGROUND: '1',
    JWT_SECRET: '',
  });
  const browser = await launchChromium();
  const problems: string[] = [];
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('console', (message) => message.type() === 'error' && problems.push(`console: ${message.text()}`));
    await page.goto(`${app.url}${PLAYGROUND}?connect=alice,bob&namespace=/chat`);
    const [alice, bob] = [connection(page, 1), connection(page, 2)];
    await connected(alice);
    await connected(bob);

    const offered = await page.getByLabel('Namespace').locator('option').allTextContents();
    expect(namespaces.filter((namespace) => !offered.some((option) => option.startsWith(`${namespace} `)))).toEqual([]);

    for (const card of [alice, bob]) {
      await emit(card, 'joinRoom');
      await card.locator('[data-kind="ack"][data-event="joinRoom ack"]').waitFor({ timeout: WAIT_MS });
    }
    // The payload prefilled from sendMessage's schema is sent as it is.
    await emit(alice, 'sendMessage');
    await alice.locator('[data-kind="ack"][data-event="sendMessage ack"]').waitFor({ timeout: WAIT_MS });
    const received = bob.locator('[data-kind="event"][data-event="newMessage"]');
    await received.waitFor({ timeout: WAIT_MS });
    // A long payload is folded (details), its full JSON in the pre inside.
    const shown = await received.locator('code.body, .body pre').first().textContent();
    expect(JSON.parse(shown ?? '')).toMatchObject({ sender: 'alice' });

    await emit(alice, 'sendMessage', '{"roomId": "", "content": ""}');
    const refused = alice.locator('[data-kind="error"][data-event="sendMessage ack"]');
    await refused.waitFor({ timeout: WAIT_MS });
    expect(await refused.getAttribute('data-code')).toBe('VALIDATION_FAILED');
    await page.screenshot({ path: join(runDir(), screenshotName) });

    // Keyboard only: from the page's heading (a click there starts Tab navigation at the top), Tab to the
    // Connect button and press Enter.
    await page.getByRole('heading', { level: 1 }).click();
    let tabs = 0;
    while ((await page.evaluate('document.activeElement && document.activeElement.textContent')) !== 'Connect') {
      expect(tabs).toBeLessThan(10);
      await page.keyboard.press('Tab');
      tabs += 1;
    }
    await page.keyboard.press('Enter');
    await connected(connection(page, 3));
    expect(await connection(page, 3).locator('.title').innerText()).toContain('carol');

    expect(problems).toEqual([]);
    recordNote(
      `${label} playground in Chromium ${browser.version()}`,
      `${offered.length} namespaces offered; alice and bob connected and joined, bob received alice's newMessage; ` +
        `a bad payload showed VALIDATION_FAILED; a third connection opened with ${tabs} Tabs and Enter; ` +
        `screenshot ${join(runDir(), screenshotName)}`,
    );
  } finally {
    await browser.close();
    app.process.kill('SIGKILL');
  }
}

/**
 * With a real JWT_SECRET the app mints nothing (403): the page asks for a token, and one pasted there
 * connects.
 */
export async function checkPlaygroundWithPastedToken(appDir: string, label: string): Promise<void> {
  const app = await startApp(appDir, [], 'dist/main.js', { NODE_ENV: 'development', REALTIME_PLAYGROUND: '1' });
  const browser = await launchChromium();
  try {
    const minted = await fetch(`${app.url}${PLAYGROUND}/tokens`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ sub: 'mallory' }),
    });
    expect(minted.status).toBe(403);
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(`${app.url}${PLAYGROUND}?connect=alice&namespace=/chat`);
    await page.getByRole('status').filter({ hasText: 'Paste a token' }).first().waitFor({ timeout: WAIT_MS });
    await expect(page.getByLabel('User (sub)').isVisible()).resolves.toBe(false);
    await page.getByLabel('Token').fill(tokenFor(app, 'dave'));
    await page.getByRole('button', { name: 'Connect' }).click();
    await connected(connection(page, 1));
    await emit(connection(page, 1), 'joinRoom');
    await connection(page, 1).locator('[data-kind="ack"][data-event="joinRoom ack"]').waitFor({ timeout: WAIT_MS });
    recordNote(
      `${label} playground with JWT_SECRET set`,
      `POST ${PLAYGROUND}/tokens → ${minted.status} ${await minted.text()}; a pasted token connected and joined a room`,
    );
  } finally {
    await browser.close();
    app.process.kill('SIGKILL');
  }
}

/** The playground URL `npm run demo` prints: both users connected side by side, ready to chat. */
export async function checkPlaygroundReady(url: string, users: string[]): Promise<string> {
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(url);
    for (const [index, user] of users.entries()) {
      const card = connection(page, index + 1);
      await connected(card);
      expect(await card.locator('.title').innerText()).toContain(user);
    }
    return browser.version();
  } finally {
    await browser.close();
  }
}

async function listenOnLoopback<T extends HttpServer | TcpServer>(server: T): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const address = server.address();
  if (address === null || typeof address === 'string') {
    throw new Error('no port');
  }
  return address.port;
}

/** Forwards a free port to the app's, as `docker run -p <port>:3000` maps one. */
function portMapping(target: number): TcpServer {
  return createTcpServer((client) => {
    const upstream = tcpConnect(target, '127.0.0.1');
    client.pipe(upstream).pipe(client);
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
  });
}

/** A page on another origin that opens a socket to the app with a token that is valid there. */
function foreignSite(appUrl: string, token: string): HttpServer {
  const page =
    '<!doctype html><title>waiting</title>' +
    `<script src="${appUrl}/socket.io/socket.io.min.js"></script>` +
    `<script>io(${JSON.stringify(`${appUrl}/chat`)}, { transports: ['websocket'], reconnection: false, ` +
    `auth: { token: ${JSON.stringify(token)} } })` +
    ".on('connect', () => { document.title = 'connected'; })" +
    ".on('connect_error', (error) => { document.title = 'refused: ' + error.message; });</script>";
  return createHttpServer((_request, response) => {
    response.writeHead(200, { 'Content-Type': 'text/html' }).end(page);
  });
}

/**
 * Who may open the playground's sockets, in Chromium: the page opened through a mapped port (another
 * address than the app's own PORT) connects with no setting, and a page on another origin on this machine
 * that holds a valid token is refused at the handshake.
 */
export async function checkPlaygroundOrigins(appDir: string, label: string): Promise<void> {
  const app = await startApp(appDir, [], 'dist/main.js', {
    NODE_ENV: 'development',
    REALTIME_PLAYGROUND: '1',
    JWT_SECRET: '',
  });
  const appPort = Number(new URL(app.url).port);
  const mapping = portMapping(appPort);
  const browser = await launchChromium();
  let site: HttpServer | undefined;
  try {
    const mappedPort = await listenOnLoopback(mapping);
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(`http://localhost:${mappedPort}${PLAYGROUND}?connect=erin&namespace=/chat`);
    await connected(connection(page, 1));

    const minted = await fetch(`${app.url}${PLAYGROUND}/tokens`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ sub: 'mallory' }),
    });
    expect(minted.status).toBe(201);
    const { token } = (await minted.json()) as { token: string };
    site = foreignSite(`http://localhost:${appPort}`, token);
    const sitePort = await listenOnLoopback(site);
    const foreign = await browser.newPage();
    await foreign.goto(`http://localhost:${sitePort}/`);
    await foreign.waitForFunction("document.title !== 'waiting'", undefined, { timeout: WAIT_MS });
    const outcome = await foreign.title();
    expect(outcome).toMatch(/^refused: /);
    recordNote(
      `${label} playground origins in Chromium`,
      `the page through a mapped port (localhost:${mappedPort} → ${appPort}) connected with no setting; ` +
        `a page on http://localhost:${sitePort} with a valid token was ${outcome}`,
    );
  } finally {
    await browser.close();
    mapping.close();
    site?.close();
    app.process.kill('SIGKILL');
  }
}

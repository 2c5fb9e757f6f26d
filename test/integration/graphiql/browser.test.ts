import type { Browser, Page } from 'playwright-core';
import { loadConfig } from '../../../src/config';
import { createGraphiqlRoutes } from '../../../src/graphiql';
import { createApp, type App } from '../../../src/graphql/server';
import { describeInChromium, launchChromium } from '../../helpers/chromium';
import { FakeRepository, makeCustomer, makeReservation } from '../../helpers/fakeRepository';
import { createChangeHub } from '../../../src/graphql/subscriptions/hub';

/**
 * A developer opens /graphql in a browser: GraphiQL loads from the subgraph alone, runs the
 * example query against the real app and shows the data, and its docs explorer opens. Runs in
 * Debian's Chromium through playwright-core (see test/helpers/chromium.ts).
 */

describeInChromium('GraphiQL in headless Chromium', (executablePath) => {
  let browser: Browser;
  let app: App;
  let origin: string;
  let page: Page;
  let requested: string[];
  let consoleErrors: string[];
  let changes: ReturnType<typeof createChangeHub>;

  beforeAll(async () => {
    browser = await launchChromium(executablePath);
  });

  afterAll(() => browser?.close());

  beforeEach(async () => {
    // The app's stop closes its hub: a new one for each test.
    changes = createChangeHub({ maxSubscribers: 10, bufferSize: 10 });
    const repository = new FakeRepository()
      .addCustomers(makeCustomer(42, { firstName: 'Ada', lastName: 'Lovelace' }))
      .addReservations(makeReservation(7, { customerNumber: 42, persons: 4 }));
    app = await createApp({
      config: loadConfig({}),
      repository,
      extraRoutes: createGraphiqlRoutes(),
      stopGracePeriodMs: 1000,
      subscriptions: { changes, maxPerConnection: 5, keepAliveMs: 10_000, idleTimeoutMs: 60_000 },
    });
    const { port } = await app.listen(0, '127.0.0.1');
    origin = `http://127.0.0.1:${port}`;

    page = await browser.newPage();
    requested = [];
    consoleErrors = [];
    page.on('request', (request) => requested.push(request.url()));
    page.on('console', (message) => {
      if (message.type() === 'error') consoleErrors.push(message.text());
    });
    page.on('pageerror', (error) => consoleErrors.push(error.message));
  });

  afterEach(async () => {
    await page?.context().close();
    await app?.stop();
  });

  /** Polls `holds` every 50 ms, for at most 30 s (a bound against hanging, not a goal). */
  async function until(holds: () => boolean): Promise<void> {
    for (const deadline = Date.now() + 30_000; !holds() && Date.now() < deadline;) {
      await page.waitForTimeout(50);
    }
  }

  async function openGraphiql(): Promise<void> {
    const response = await page.goto(`${origin}/graphql`);
    expect(response?.status()).toBe(200);
    await page.locator('.graphiql-query-editor .CodeMirror').waitFor();
  }

  it('runs the example query and shows the data the subgraph returned', async () => {
    await openGraphiql();
    await expect(page.locator('.graphiql-query-editor').innerText()).resolves.toContain(
      'query CustomersWithReservations',
    );

    // The example document holds several operations, so the run button asks which one.
    await page.locator('.graphiql-execute-button').click();
    await page.getByRole('menuitem', { name: 'CustomersWithReservations' }).click();

    const result = page.locator('.result-window');
    await result.getByText('"Lovelace"').waitFor();
    const text = await result.innerText();
    expect(text).toContain('"totalCount": 1');
    expect(text).toContain('"persons": 4');
    expect(text).not.toContain('"errors"');
    expect(consoleErrors).toEqual([]);
  });

  it('runs a subscription over graphql-ws and shows each event as it comes', async () => {
    await openGraphiql();
    await page.locator('.graphiql-execute-button').click();
    await page.getByRole('menuitem', { name: 'StationBoard' }).click();
    // The subscription is open once the hub has its subscriber; then a change arrives.
    await until(() => changes.size() === 1);
    expect(changes.size()).toBe(1);
    changes.publish([
      {
        kind: 'reservations',
        before: null,
        after: makeReservation(77, { stationNumber: 1, persons: 6 }),
      },
    ]);
    const result = page.locator('.result-window');
    await result.getByText('"CREATED"').waitFor();
    expect(await result.innerText()).toContain('"persons": 6');
    await page.locator('.graphiql-execute-button').click(); // stops it
    await until(() => changes.size() === 0);
    expect(changes.size()).toBe(0);
    expect(consoleErrors).toEqual([]);
  });

  it('opens the docs explorer on the schema it loaded by introspection', async () => {
    await openGraphiql();
    await page.getByRole('button', { name: 'Show Documentation Explorer' }).click();

    const explorer = page.locator('.graphiql-doc-explorer');
    await explorer.getByRole('link', { name: 'Query' }).click();
    await explorer.getByRole('link', { name: 'customers' }).first().click();
    await expect(explorer.innerText()).resolves.toContain(
      'Served from the mirror (no upstream call)',
    );
    expect(consoleErrors).toEqual([]);
  });

  it('loads everything from its own origin, without a policy violation or script error', async () => {
    await openGraphiql();
    await page.getByRole('button', { name: 'Show Documentation Explorer' }).click();
    await page.locator('.graphiql-doc-explorer').getByRole('link', { name: 'Query' }).waitFor();

    const elsewhere = requested.filter(
      (url) => new URL(url).origin !== origin && !url.startsWith('data:'),
    );
    expect(elsewhere).toEqual([]);
    expect(requested).toEqual(
      expect.arrayContaining([
        expect.stringContaining('/graphiql/assets/graphiql.min.js'),
        expect.stringContaining('/graphiql/assets/bootstrap.js'),
      ]),
    );
    expect(consoleErrors).toEqual([]);
  });
});

import type { Browser, Page } from 'playwright-core';
import { loadConfig } from '../../../src/config';
import { createGraphiqlRoutes } from '../../../src/graphiql';
import { createApp, type App } from '../../../src/graphql/server';
import { describeInChromium, launchChromium } from '../../helpers/chromium';
import { FakeRepository, makeCustomer, makeReservation } from '../../helpers/fakeRepository';

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

  beforeAll(async () => {
    browser = await launchChromium(executablePath);
  });

  afterAll(() => browser?.close());

  beforeEach(async () => {
    const repository = new FakeRepository()
      .addCustomers(makeCustomer(42, { firstName: 'Ada', lastName: 'Lovelace' }))
      .addReservations(makeReservation(7, { customerNumber: 42, persons: 4 }));
    app = await createApp({
      config: loadConfig({}),
      repository,
      extraRoutes: createGraphiqlRoutes(),
      stopGracePeriodMs: 1000,
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

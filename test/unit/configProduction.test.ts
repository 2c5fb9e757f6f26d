import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config';

/** NODE_ENV=production: the settings an operator must give, and what they default to. */

const ROUTER_SECRET = 'router-secret-of-production-0123';
const API300 = {
  API300_URL: 'https://api.example/Service/API300.asmx',
  API300_CUS_TOKEN: 'cus-token',
  API300_AUTH_TOKEN: 'auth-token',
};
const KEY = Buffer.alloc(32, 7).toString('base64');
const OLD_KEY = Buffer.alloc(32, 9).toString('base64');

const production = (env: Record<string, string> = {}) =>
  loadConfig({ NODE_ENV: 'production', ...API300, ROUTER_SECRET, ...env });

/** The message of the ConfigError `load` throws. */
function refusalOf(load: () => unknown): string {
  try {
    load();
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error('the configuration was accepted');
}

describe('production mode (NODE_ENV=production)', () => {
  it('refuses to start without API300_URL, naming each missing variable and the way to the simulator', () => {
    expect(() => loadConfig({ NODE_ENV: 'production', ROUTER_SECRET })).toThrow(
      /NODE_ENV=production needs the real API300: API300_URL, API300_CUS_TOKEN, API300_AUTH_TOKEN not set[\s\S]*API300_SIMULATOR=embedded/,
    );
  });

  it('refuses API300_URL without its tokens', () => {
    expect(() =>
      loadConfig({ NODE_ENV: 'production', ROUTER_SECRET, API300_URL: API300.API300_URL }),
    ).toThrow(/API300_CUS_TOKEN and API300_AUTH_TOKEN/);
  });

  it('runs the simulator only when asked for, and never beside API300_URL', () => {
    expect(production().security.embeddedSimulator).toBe(false);
    const demo = loadConfig({
      NODE_ENV: 'production',
      ROUTER_SECRET,
      API300_SIMULATOR: 'embedded',
    });
    expect(demo.security.embeddedSimulator).toBe(true);
    expect(() => production({ API300_SIMULATOR: 'embedded' })).toThrow(
      /API300_SIMULATOR=embedded and API300_URL are both set/,
    );
    expect(() => loadConfig({ API300_SIMULATOR: 'yes' })).toThrow(
      /API300_SIMULATOR="yes" is not allowed: expected one of embedded/,
    );
  });

  it('refuses to start without a router credential, naming the three ways', () => {
    expect(() => loadConfig({ NODE_ENV: 'production', ...API300 })).toThrow(
      /needs a router credential[\s\S]*ROUTER_SECRET[\s\S]*ROUTER_HMAC_SECRET[\s\S]*ROUTER_AUTH_DISABLED=true/,
    );
  });

  it('starts with the explicit opt-out, or with an HMAC secret alone', () => {
    const optOut = loadConfig({ NODE_ENV: 'production', ...API300, ROUTER_AUTH_DISABLED: 'true' });
    expect(optOut.security.routerAuthDisabled).toBe(true);
    const hmac = loadConfig({
      NODE_ENV: 'production',
      ...API300,
      ROUTER_HMAC_SECRET: ROUTER_SECRET,
    });
    expect(hmac.security.routerHmacSecrets).toEqual([ROUTER_SECRET]);
  });

  it('refuses the opt-out beside a credential, and a short secret', () => {
    expect(() => production({ ROUTER_AUTH_DISABLED: 'true' })).toThrow(
      /ROUTER_AUTH_DISABLED=true and a router credential/,
    );
    const message = refusalOf(() => production({ ROUTER_SECRET: 'short-secret' }));
    expect(message).toMatch(
      /ROUTER_SECRET \(or its _PREVIOUS\) is too short for production: expected at least 16/,
    );
    expect(message).not.toContain('short-secret');
  });

  it('turns introspection and GraphiQL off unless enabled', () => {
    expect(production()).toMatchObject({ introspection: false, graphiql: false });
    expect(production({ INTROSPECTION: 'true', GRAPHIQL: 'true' })).toMatchObject({
      introspection: true,
      graphiql: true,
    });
  });
});

describe('outside production', () => {
  it('needs nothing: the embedded simulator, no router credential, introspection and GraphiQL on', () => {
    const c = loadConfig({});
    expect(c.security).toMatchObject({
      production: false,
      embeddedSimulator: true,
      routerSecrets: [],
      routerHmacSecrets: [],
    });
    expect(c).toMatchObject({ introspection: true, graphiql: true, metricsPort: null });
  });
});

describe('router secrets', () => {
  it('accept a current and a previous secret during a rotation, each from a file too', () => {
    const dir = mkdtempSync(join(tmpdir(), 'config-'));
    writeFileSync(join(dir, 'previous'), 'previous-router-secret-0123\n');
    try {
      const c = production({ ROUTER_SECRET_PREVIOUS_FILE: join(dir, 'previous') });
      expect(c.security.routerSecrets).toEqual([ROUTER_SECRET, 'previous-router-secret-0123']);
    } finally {
      rmSync(dir, { recursive: true });
    }
  });

  it('refuse a previous secret without a current one', () => {
    expect(() => loadConfig({ ROUTER_HMAC_SECRET_PREVIOUS: 'x'.repeat(20) })).toThrow(
      /ROUTER_HMAC_SECRET_PREVIOUS is set without ROUTER_HMAC_SECRET/,
    );
  });
});

describe('cache encryption keys', () => {
  it('take the current key first, then the previous ones', () => {
    const c = loadConfig({
      CACHE_ENCRYPTION_KEY: KEY,
      CACHE_ENCRYPTION_PREVIOUS_KEYS: `${OLD_KEY}, ${KEY}`,
    });
    expect(c.security.cacheEncryptionKeys).toEqual([KEY, OLD_KEY, KEY]);
  });

  it('refuse a key that is not 32 bytes of base64, without echoing it', () => {
    const message = refusalOf(() => loadConfig({ CACHE_ENCRYPTION_KEY: 'c2hvcnQta2V5' }));
    expect(message).toMatch(
      /CACHE_ENCRYPTION_KEY is not allowed: expected 32 random bytes in base64/,
    );
    expect(message).not.toContain('c2hvcnQta2V5');
  });
});

describe('METRICS_PORT', () => {
  it('must differ from PORT', () => {
    expect(loadConfig({ METRICS_PORT: '9464' }).metricsPort).toBe(9464);
    expect(() => loadConfig({ PORT: '4001', METRICS_PORT: '4001' })).toThrow(
      /METRICS_PORT=4001 must differ from PORT=4001/,
    );
  });
});

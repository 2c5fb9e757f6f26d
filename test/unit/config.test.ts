import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_STORE_PATH, loadConfig, ConfigError } from '../../src/config';

describe('loadConfig', () => {
  it('gives documented defaults for an empty environment', () => {
    const c = loadConfig({});
    expect(c.port).toBe(4001);
    expect(c.api300.url).toBeNull();
    expect(c.upstream.callsPerMinute).toBe(50);
    expect(Object.isFrozen(c.upstream)).toBe(true);
  });

  it('refuses a budget above the API300 limit, naming variable, value and range', () => {
    expect(() => loadConfig({ UPSTREAM_CALLS_PER_MINUTE: '61' })).toThrow(
      /UPSTREAM_CALLS_PER_MINUTE="61" is not allowed: expected an integer from 1 to 60/,
    );
  });

  it('requires tokens when a real endpoint is configured and never echoes a URL with credentials', () => {
    expect(() => loadConfig({ API300_URL: 'https://api.example/Service/API300.asmx' })).toThrow(
      ConfigError,
    );
    let message = '';
    try {
      loadConfig({ REDIS_URL: 'http://:hunter2@localhost' });
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(/REDIS_URL is not a valid URL/);
    expect(message).not.toMatch(/hunter2/);
  });

  it('drains 5 s on stop by default, and refuses a drain period beyond 2 minutes', () => {
    expect(loadConfig({}).shutdownDrainMs).toBe(5000);
    expect(loadConfig({ SHUTDOWN_DRAIN_MS: '0' }).shutdownDrainMs).toBe(0);
    expect(() => loadConfig({ SHUTDOWN_DRAIN_MS: '120001' })).toThrow(
      /SHUTDOWN_DRAIN_MS="120001" is not allowed: expected an integer from 0 to 120000/,
    );
  });

  it('bounds subscriptions by default and asks the shared key with a router invalidation URL', () => {
    expect(loadConfig({}).subscriptions).toMatchObject({
      max: 10_000,
      maxPerConnection: 20,
      buffer: 1000,
      invalidationUrl: null,
      subgraphName: 'hypersoft',
    });
    expect(() =>
      loadConfig({ ROUTER_INVALIDATION_URL: 'http://router:4010/invalidation' }),
    ).toThrow(/ROUTER_INVALIDATION_URL is set, so ROUTER_INVALIDATION_KEY/);
    expect(() => loadConfig({ SUBSCRIPTIONS_MAX_PER_CONNECTION: '0' })).toThrow(
      /SUBSCRIPTIONS_MAX_PER_CONNECTION/,
    );
  });

  it('reports every bad value at once', () => {
    expect(() => loadConfig({ PORT: 'x', LOG_LEVEL: 'loud' })).toThrow(
      /PORT="x"[\s\S]*LOG_LEVEL="loud"/,
    );
  });

  describe('the shared mirror database', () => {
    it('is off by default, with a 15 s lease renewed every 5 s and deletes kept an hour', () => {
      expect(loadConfig({}).mirrorDatabase).toEqual({
        url: null,
        leaseTtlMs: 15_000,
        leaseRenewMs: 5_000,
        tombstoneRetentionMs: 3_600_000,
      });
    });

    it('takes a postgres URL, and derives the renewal interval from a given ttl', () => {
      const c = loadConfig({
        MIRROR_DATABASE_URL: 'postgres://mirror@db.internal:5432/hypersoft',
        MIRROR_LEASE_TTL_MS: '30000',
      });
      expect(c.mirrorDatabase.url).toBe('postgres://mirror@db.internal:5432/hypersoft');
      expect(c.mirrorDatabase.leaseRenewMs).toBe(10_000);
      expect(Object.isFrozen(c.mirrorDatabase)).toBe(true);
    });

    it('reads the URL from a file, as a container secret', () => {
      const dir = mkdtempSync(join(tmpdir(), 'config-'));
      const file = join(dir, 'mirror-url');
      writeFileSync(file, 'postgresql://mirror:s3cret@db/hypersoft\n');
      try {
        expect(loadConfig({ MIRROR_DATABASE_URL_FILE: file }).mirrorDatabase.url).toBe(
          'postgresql://mirror:s3cret@db/hypersoft',
        );
      } finally {
        rmSync(dir, { recursive: true });
      }
    });

    it('refuses a URL of another scheme without echoing its password', () => {
      let message = '';
      try {
        loadConfig({ MIRROR_DATABASE_URL: 'mysql://mirror:hunter2@db/hypersoft' });
      } catch (e) {
        message = (e as Error).message;
      }
      expect(message).toMatch(
        /MIRROR_DATABASE_URL is not a valid URL: expected postgres:\/\/… or postgresql:\/\/…/,
      );
      expect(message).not.toMatch(/hunter2/);
    });

    it('refuses a renewal interval that is not below the ttl, and a retention outside its range', () => {
      expect(() =>
        loadConfig({ MIRROR_LEASE_TTL_MS: '5000', MIRROR_LEASE_RENEW_MS: '5000' }),
      ).toThrow(/MIRROR_LEASE_RENEW_MS=5000 must be less than MIRROR_LEASE_TTL_MS=5000/);
      expect(() => loadConfig({ MIRROR_TOMBSTONE_RETENTION_MS: '1000' })).toThrow(
        /MIRROR_TOMBSTONE_RETENTION_MS="1000" is not allowed: expected an integer from 60000 to 604800000/,
      );
    });
  });

  describe('API300_TRANSPORT', () => {
    it('defaults to SOAP 1.1', () => {
      expect(loadConfig({}).api300.transport).toBe('soap11');
    });

    it.each(['soap11', 'soap12', 'json'] as const)('takes %s', (transport) => {
      expect(loadConfig({ API300_TRANSPORT: transport }).api300.transport).toBe(transport);
    });

    it('refuses anything else, naming the variable, the value and what is allowed', () => {
      expect(() => loadConfig({ API300_TRANSPORT: 'soap' })).toThrow(
        /API300_TRANSPORT="soap" is not allowed: expected one of soap11, soap12, json/,
      );
    });

    it.each([
      ['1.1', 'soap11'],
      ['1.2', 'soap12'],
    ])('still reads the deprecated API300_SOAP_VERSION=%s as %s', (version, transport) => {
      expect(loadConfig({ API300_SOAP_VERSION: version }).api300.transport).toBe(transport);
    });

    it('lets the deprecated setting agree with API300_TRANSPORT, and refuses a disagreement', () => {
      expect(
        loadConfig({ API300_TRANSPORT: 'soap12', API300_SOAP_VERSION: '1.2' }).api300.transport,
      ).toBe('soap12');
      expect(() => loadConfig({ API300_TRANSPORT: 'json', API300_SOAP_VERSION: '1.1' })).toThrow(
        /API300_TRANSPORT="json" and API300_SOAP_VERSION="1.1" disagree: set only API300_TRANSPORT/,
      );
    });

    it('refuses an API300_SOAP_VERSION other than 1.1 or 1.2', () => {
      expect(() => loadConfig({ API300_SOAP_VERSION: '2' })).toThrow(
        /API300_SOAP_VERSION="2" is not allowed: expected one of 1.1, 1.2/,
      );
    });
  });

  describe('the mirror', () => {
    it('is on by default, with the documented sync settings', () => {
      expect(loadConfig({}).mirror).toEqual({
        enabled: true,
        reservationsDaysBack: null,
        storePath: null,
        sync: {
          intervalMs: 2000,
          share: 0.5,
          loadShare: 0.8,
          overlapMs: 5000,
          reconcileIntervalMs: 14_400_000,
          licenceRetryMs: 3_600_000,
          stationsIntervalMs: 300_000,
          urgentAfterMs: 15_000,
        },
      });
    });

    it('persists by default with a real API300_URL, in memory for the embedded demo or when asked', () => {
      const real = {
        API300_URL: 'https://api.example/Service/API300.asmx',
        API300_CUS_TOKEN: 'c',
        API300_AUTH_TOKEN: 'a',
      };
      expect(loadConfig(real).mirror.storePath).toBe(DEFAULT_STORE_PATH);
      expect(DEFAULT_STORE_PATH).toBe('data');
      expect(loadConfig({ ...real, MIRROR_STORE_PATH: ':memory:' }).mirror.storePath).toBeNull();
      expect(loadConfig({}).mirror.storePath).toBeNull();
      expect(loadConfig({ MIRROR_STORE_PATH: '/srv/m' }).mirror.storePath).toBe('/srv/m');
    });

    it('reads every setting', () => {
      const c = loadConfig({
        MIRROR: 'false',
        MIRROR_RESERVATIONS_DAYS_BACK: '30',
        MIRROR_STORE_PATH: '/var/lib/hypersoft-mirror',
        MIRROR_SYNC_INTERVAL_MS: '5000',
        MIRROR_SYNC_SHARE: '0.25',
        MIRROR_SYNC_LOAD_SHARE: '0.7',
        MIRROR_SYNC_OVERLAP_MS: '0',
        MIRROR_RECONCILE_INTERVAL_MS: '3600000',
        MIRROR_LICENCE_RETRY_MS: '600000',
        MIRROR_STATIONS_INTERVAL_MS: '60000',
        MIRROR_SYNC_URGENT_AFTER_MS: '9000',
      });
      expect(c.mirror).toEqual({
        enabled: false,
        reservationsDaysBack: 30,
        storePath: '/var/lib/hypersoft-mirror',
        sync: {
          intervalMs: 5000,
          share: 0.25,
          loadShare: 0.7,
          overlapMs: 0,
          reconcileIntervalMs: 3_600_000,
          licenceRetryMs: 600_000,
          stationsIntervalMs: 60_000,
          urgentAfterMs: 9000,
        },
      });
    });

    it.each([
      ['MIRROR', 'sometimes', /MIRROR="sometimes" is not allowed: expected true or false/],
      [
        'MIRROR_SYNC_SHARE',
        '1.5',
        /MIRROR_SYNC_SHARE="1.5" is not allowed: expected a decimal number from 0.05 to 1/,
      ],
      [
        'MIRROR_SYNC_SHARE',
        '1e-1',
        /MIRROR_SYNC_SHARE="1e-1" is not allowed: expected a decimal number from 0.05 to 1/,
      ],
      [
        'MIRROR_SYNC_INTERVAL_MS',
        '100',
        /MIRROR_SYNC_INTERVAL_MS="100" is not allowed: expected an integer from 500 to 3600000/,
      ],
      [
        'MIRROR_RECONCILE_INTERVAL_MS',
        '0',
        /MIRROR_RECONCILE_INTERVAL_MS="0" is not allowed: expected an integer from 60000 to 604800000/,
      ],
      [
        'MIRROR_RESERVATIONS_DAYS_BACK',
        '-1',
        /MIRROR_RESERVATIONS_DAYS_BACK="-1" is not allowed: expected an integer from 0 to 3650/,
      ],
    ])('refuses %s=%s, naming variable, value and range', (name, value, message) => {
      expect(() => loadConfig({ [name]: value })).toThrow(message);
    });

    it('refuses a share that leaves the sync less than one call a minute', () => {
      expect(() =>
        loadConfig({
          UPSTREAM_CALLS_PER_MINUTE: '10',
          UPSTREAM_WRITE_RESERVE: '0',
          MIRROR_SYNC_SHARE: '0.05',
        }),
      ).toThrow(/MIRROR_SYNC_SHARE=0.05 leaves the mirror's sync less than one call a minute/);
      expect(
        loadConfig({
          UPSTREAM_CALLS_PER_MINUTE: '10',
          UPSTREAM_WRITE_RESERVE: '0',
          MIRROR_SYNC_SHARE: '0.1',
        }).mirror.sync.share,
      ).toBe(0.1);
    });
  });
});

import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  findHiveGateway,
  HIVE_GATEWAY_VERSION,
  hiveGatewayCacheBin,
} from '../../bench/lib/hiveGateway';

/**
 * The Hive Gateway that .ci/run installs is the one the gateway test looks for: the same
 * pinned version, in the same cache path, and HIVE_GATEWAY_BIN wins when set.
 */

const CI_RUN = readFileSync(path.resolve(__dirname, '..', '..', '.ci', 'run'), 'utf8');

describe('the Hive Gateway of .ci/run', () => {
  it('is the pinned version the test names', () => {
    expect(/^hive_version=(\S+)$/m.exec(CI_RUN)?.[1]).toBe(HIVE_GATEWAY_VERSION);
  });

  it('is installed where the test looks, and named in HIVE_GATEWAY_BIN before the tests run', () => {
    const lines = CI_RUN.trimEnd().split('\n');
    expect(lines.at(-1)).toBe('npm ci && npm test');
    expect(CI_RUN.indexOf('export HIVE_GATEWAY_BIN=')).toBeGreaterThan(0);
    // The shell's own expansion of .ci/run's paths, for a cache under XDG_CACHE_HOME and under HOME.
    const assignments = ['hive_version', 'hive_prefix', 'hive_bin']
      .map((name) => new RegExp(`^${name}=.*$`, 'm').exec(CI_RUN)?.[0])
      .join('\n');
    for (const env of [{ XDG_CACHE_HOME: '/x/cache', HOME: '/h' }, { HOME: '/h' }]) {
      const bin = execFileSync('bash', ['-c', `${assignments}\nprintf %s "$hive_bin"`], {
        env: { PATH: process.env.PATH, ...env },
        encoding: 'utf8',
      });
      expect(bin).toBe(hiveGatewayCacheBin(env));
    }
  });

  it('is found through HIVE_GATEWAY_BIN when set, else in the cache, else not at all', () => {
    const cache = mkdtempSync(path.join(tmpdir(), 'hive-cache-'));
    try {
      const env = { XDG_CACHE_HOME: cache };
      expect(findHiveGateway(env)).toBeNull();
      const cached = hiveGatewayCacheBin(env);
      mkdirSync(path.dirname(cached), { recursive: true });
      writeFileSync(cached, '');
      expect(findHiveGateway(env)).toBe(cached);
      expect(findHiveGateway({ ...env, HIVE_GATEWAY_BIN: path.join(cache, 'none') })).toBeNull();
      expect(findHiveGateway({ HIVE_GATEWAY_BIN: cached })).toBe(cached);
    } finally {
      rmSync(cache, { recursive: true, force: true });
    }
  });
});

import { readFileSync } from 'node:fs';
import path from 'node:path';
import semver from 'semver';

/**
 * One supported Node.js LTS line everywhere: package.json "engines", the lock file, the
 * Dockerfile's base image, .nvmrc, the README's quick start, the Node.js that .ci/run installs
 * and @types/node all name the same major, and the Node.js running the tests is on it. Every
 * locked package accepts the oldest Node.js that "engines" allows, so `npm ci` on it prints
 * no EBADENGINE warning.
 */

const ROOT = path.resolve(__dirname, '..', '..');
const read = (file: string) => readFileSync(path.join(ROOT, file), 'utf8');

interface LockedPackage {
  version?: string;
  engines?: { node?: string } | string[];
}

const pkg = JSON.parse(read('package.json'));
const lock = JSON.parse(read('package-lock.json')) as {
  packages: Record<string, LockedPackage>;
};
const engines: string = pkg.engines.node;
const floor = semver.minVersion(engines);
const major = floor?.major;

/** `name=value` of a shell assignment at the start of a line in .ci/run. */
function ciVariable(name: string): string | undefined {
  return new RegExp(`^${name}=(\\S+)$`, 'm').exec(read('.ci/run'))?.[1];
}

describe('the Node.js line', () => {
  it('is one LTS major in package.json "engines", from a floor up to the next major', () => {
    expect(semver.validRange(engines)).not.toBeNull();
    expect(major).toBeDefined();
    // Even majors are the LTS lines.
    expect((major as number) % 2).toBe(0);
    expect(semver.satisfies(`${major}.99.99`, engines)).toBe(true);
    expect(semver.satisfies(`${(major as number) + 1}.0.0`, engines)).toBe(false);
    expect(semver.satisfies(`${(major as number) - 1}.99.99`, engines)).toBe(false);
  });

  it('is the one the lock file records for the project', () => {
    expect(lock.packages[''].engines).toEqual(pkg.engines);
  });

  it('is the Node.js running these tests', () => {
    expect({
      node: process.versions.node,
      ok: semver.satisfies(process.versions.node, engines),
    }).toEqual({ node: process.versions.node, ok: true });
  });

  it("is the Dockerfile's base image", () => {
    const image = /^ARG NODE_IMAGE=(\S+)$/m.exec(read('Dockerfile'))?.[1];
    expect(image).toBe(`node:${major}-bookworm-slim`);
  });

  it('is the one .nvmrc names', () => {
    expect(read('.nvmrc').trim()).toBe(String(major));
  });

  it("is the README's, with the same floor", () => {
    const readme = read('README.md');
    const named = [...readme.matchAll(/Node\.js (?:≥ )?(\d+)/g)].map((m) => Number(m[1]));
    expect(named.length).toBeGreaterThan(0);
    expect(new Set(named)).toEqual(new Set([major]));
    expect(readme).toContain(`≥ ${floor?.major}.${floor?.minor}`);
  });

  it('is the one .ci/run installs, and .ci/run accepts no older Node.js than "engines"', () => {
    const installed = ciVariable('node_version');
    expect(installed).toBeDefined();
    expect(semver.satisfies(installed as string, engines)).toBe(true);
    expect(ciVariable('node_min')).toBe(floor?.version);
  });

  it('is the one @types/node describes', () => {
    expect(semver.major(pkg.devDependencies['@types/node'])).toBe(major);
  });

  it('runs every locked package: none asks for a newer or older Node.js than the floor', () => {
    const refusing = Object.entries(lock.packages)
      .filter(([, locked]) => {
        const range = Array.isArray(locked.engines) ? undefined : locked.engines?.node;
        return range !== undefined && !semver.satisfies(floor as semver.SemVer, range);
      })
      .map(([where, locked]) => `${where}@${locked.version}: ${JSON.stringify(locked.engines)}`);
    expect(refusing).toEqual([]);
  });
});

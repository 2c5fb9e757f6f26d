import { existsSync } from 'node:fs';
import path from 'node:path';
import {
  ROOT,
  all,
  dockerignore,
  globalArgs,
  healthcheckOf,
  instructions,
  read,
  resolveImage,
  runtime,
  stages,
  type Stage,
} from '../helpers/dockerfile';

/**
 * Static checks of the Dockerfile and .dockerignore, read from the files themselves, so no
 * Docker engine is needed: the image builds from a pinned base, runs as non-root, ships only
 * what it needs and reports its health. The HEALTHCHECK command itself is run by
 * test/integration/docker/healthcheck.test.ts.
 */

describe('the Dockerfile', () => {
  it('declares a volume for the mirror and the quota journal, owned by the app user', () => {
    expect(all(runtime, 'VOLUME').join('\n')).toMatch(/"\/app\/data"/);
    expect(all(runtime, 'WORKDIR')).toContain('/app');
  });

  it('builds in several stages, every one on node:24-bookworm-slim', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    for (const stage of stages) {
      expect(resolveImage(stage.from, globalArgs)).toBe('node:24-bookworm-slim');
    }
  });

  it('installs with the lock file (npm ci), generates code and compiles in a build stage', () => {
    const build = stages.find((stage) =>
      all(stage, 'RUN').some((run) => /npm run build/.test(run)),
    );
    expect(build).toBeDefined();
    expect(build).not.toBe(runtime);
    const runs = all(build as Stage, 'RUN').join('\n');
    expect(runs).toMatch(/\bnpm ci\b/);
    expect(runs).not.toMatch(/\bnpm (install|i)\b/);
    expect(all(build as Stage, 'COPY').join('\n')).toMatch(/package-lock\.json/);
    expect(JSON.parse(read('package.json')).scripts.build).toMatch(/codegen.*tsc/);
  });

  it('gives the runtime production dependencies only, the compiled code and the schema files', () => {
    const copies = all(runtime, 'COPY');
    const nodeModules = copies.find((copy) => /node_modules/.test(copy)) ?? '';
    const fromStage = /--from=(\S+)/.exec(nodeModules)?.[1];
    const deps = stages.find((stage) => stage.name === fromStage);
    expect(all(deps as Stage, 'RUN').join('\n')).toMatch(
      /npm ci[^\n]*--omit=dev|npm prune[^\n]*--omit=dev/,
    );
    expect(copies.some((copy) => /--from=\S+ \/app\/dist \.\/dist/.test(copy))).toBe(true);
    expect(copies).toContain('schema ./schema');
    // Nothing installed at run time: the one RUN makes the data folder for the app user.
    expect(all(runtime, 'RUN')).toEqual([
      'mkdir -p /app/data && chown node:node /app/data && chmod 700 /app/data',
    ]);
  });

  it('copies only files that exist in the repository and that .dockerignore lets through', () => {
    const sources = instructions
      .filter((i) => i.keyword === 'COPY' && !i.args.includes('--from='))
      .flatMap((i) => i.args.split(/\s+/).slice(0, -1));
    for (const source of sources) {
      expect({ source, exists: existsSync(path.join(ROOT, source)) }).toEqual({
        source,
        exists: true,
      });
      expect(dockerignore).not.toContain(source);
    }
  });

  it('runs as the non-root node user', () => {
    const users = all(runtime, 'USER');
    expect(users.length).toBeGreaterThan(0);
    expect(users[users.length - 1]).toBe('node');
  });

  it('starts node directly in exec form, so SIGTERM reaches Node as PID 1', () => {
    const cmds = all(runtime, 'CMD');
    expect(cmds).toHaveLength(1);
    expect(JSON.parse(cmds[0])).toEqual(['node', 'dist/src/main.js']);
    expect(all(runtime, 'ENTRYPOINT')).toEqual([]);
  });

  it("starts the package's entry point, compiled from src/main.ts", () => {
    expect(JSON.parse(read('package.json')).main).toBe('dist/src/main.js');
    expect(existsSync(path.join(ROOT, 'src', 'main.ts'))).toBe(true);
  });

  it('sets production defaults and exposes the port it listens on', () => {
    const env = all(runtime, 'ENV').join(' ');
    expect(env).toMatch(/\bNODE_ENV=production\b/);
    expect(env).toMatch(/\bPORT=4001\b/);
    expect(all(runtime, 'EXPOSE')).toEqual(['4001']);
  });

  it('keeps secrets out of every layer: no ENV or ARG with a token, secret, password or key', () => {
    const settings = instructions.filter((i) => i.keyword === 'ENV' || i.keyword === 'ARG');
    for (const { args } of settings) {
      expect(args).not.toMatch(/(TOKEN|SECRET|PASSWORD|PASSWD|KEY|CREDENTIAL)\w*\s*=/i);
    }
    expect(dockerignore).toEqual(expect.arrayContaining(['.env*', '*.pem', '*.key']));
  });
});

describe('the HEALTHCHECK', () => {
  const { healthcheck, command } = healthcheckOf(runtime);

  it('is declared with bounds and runs node (slim images have no curl)', () => {
    expect(healthcheck).toMatch(/--interval=\d+s/);
    expect(healthcheck).toMatch(/--timeout=\d+s/);
    expect(command.slice(0, 2)).toEqual(['node', '-e']);
    expect(command[2]).toContain('/healthz');
  });
});

describe('the .dockerignore', () => {
  it('keeps local installs, build output, history, coverage, logs and env files out of the context', () => {
    expect(dockerignore).toEqual(
      expect.arrayContaining([
        'node_modules',
        'dist',
        '.git',
        'bench/out',
        'coverage',
        '*.log',
        '.env*',
      ]),
    );
  });
});

import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';

/**
 * Static checks of the Dockerfile and .dockerignore (no Docker engine is needed, nor was one
 * available when they were written): the properties issue 6 asks of the image, read from the
 * file itself. The HEALTHCHECK command is also run, against a stand-in /healthz.
 */

const ROOT = path.resolve(__dirname, '..', '..');
const read = (file: string) => readFileSync(path.join(ROOT, file), 'utf8');

interface Instruction {
  keyword: string;
  args: string;
}

interface Stage {
  from: string;
  name: string | null;
  instructions: Instruction[];
}

/** Instructions in order: comments and blank lines dropped, `\` continuations joined. */
function parseDockerfile(text: string): Instruction[] {
  const logical = text
    .split('\n')
    .filter((line) => !/^\s*#/.test(line))
    .join('\n')
    .replace(/\\\n/g, ' ');
  return logical
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
    .map((line) => {
      const [keyword, ...rest] = line.split(/\s+/);
      return { keyword: keyword.toUpperCase(), args: rest.join(' ') };
    });
}

function stagesOf(instructions: Instruction[]): { globalArgs: Instruction[]; stages: Stage[] } {
  const globalArgs: Instruction[] = [];
  const stages: Stage[] = [];
  for (const instruction of instructions) {
    if (instruction.keyword === 'FROM') {
      const [from, as, name] = instruction.args.split(/\s+/);
      stages.push({ from, name: as?.toUpperCase() === 'AS' ? name : null, instructions: [] });
    } else if (stages.length === 0) {
      globalArgs.push(instruction);
    } else {
      stages[stages.length - 1].instructions.push(instruction);
    }
  }
  return { globalArgs, stages };
}

const all = (stage: Stage, keyword: string) =>
  stage.instructions.filter((i) => i.keyword === keyword).map((i) => i.args);

/** `${NAME}` of a FROM resolved with the global ARG defaults. */
function resolveImage(from: string, globalArgs: Instruction[]): string {
  return from.replace(/\$\{(\w+)\}/g, (_, name: string) => {
    const arg = globalArgs.find((a) => a.keyword === 'ARG' && a.args.startsWith(`${name}=`));
    return arg ? arg.args.slice(name.length + 1) : '';
  });
}

const instructions = parseDockerfile(read('Dockerfile'));
const { globalArgs, stages } = stagesOf(instructions);
const runtime = stages[stages.length - 1];
const dockerignore = read('.dockerignore')
  .split('\n')
  .map((line) => line.trim())
  .filter((line) => line && !line.startsWith('#'));

describe('the Dockerfile', () => {
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
    expect(all(runtime, 'RUN')).toEqual([]);
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
    expect(JSON.parse(cmds[0])).toEqual(['node', 'dist/src/index.js']);
    expect(all(runtime, 'ENTRYPOINT')).toEqual([]);
  });

  it("starts the package's entry point, compiled from src/index.ts", () => {
    expect(JSON.parse(read('package.json')).main).toBe('dist/src/index.js');
    expect(existsSync(path.join(ROOT, 'src', 'index.ts'))).toBe(true);
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
  const healthcheck = all(runtime, 'HEALTHCHECK')[0] ?? '';
  const command: string[] = JSON.parse(healthcheck.slice(healthcheck.indexOf('CMD ') + 4));

  it('is declared with bounds and runs node (slim images have no curl)', () => {
    expect(healthcheck).toMatch(/--interval=\d+s/);
    expect(healthcheck).toMatch(/--timeout=\d+s/);
    expect(command.slice(0, 2)).toEqual(['node', '-e']);
    expect(command[2]).toContain('/healthz');
  });

  async function probe(status: number): Promise<number> {
    const server = http.createServer((req, res) => {
      res.writeHead(req.url === '/healthz' ? status : 404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    try {
      await promisify(execFile)(process.execPath, command.slice(1), {
        env: { PATH: process.env.PATH, PORT: String(port) },
        timeout: 10_000,
      });
      return 0;
    } catch (e) {
      return (e as { code?: number }).code ?? -1;
    } finally {
      server.close();
    }
  }

  it('passes when /healthz on $PORT answers 200', async () => {
    await expect(probe(200)).resolves.toBe(0);
  });

  it('fails when /healthz answers 503', async () => {
    await expect(probe(503)).resolves.toBe(1);
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

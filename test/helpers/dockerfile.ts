import { readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * The repository's Dockerfile and .dockerignore, parsed for tests that check the image
 * without a Docker engine (test/unit/dockerfile.test.ts) or run its HEALTHCHECK command
 * (test/integration/docker/healthcheck.test.ts).
 */

export const ROOT = path.resolve(__dirname, '..', '..');
export const read = (file: string) => readFileSync(path.join(ROOT, file), 'utf8');

export interface Instruction {
  keyword: string;
  args: string;
}

export interface Stage {
  from: string;
  name: string | null;
  instructions: Instruction[];
}

/** Instructions in order: comments and blank lines dropped, `\` continuations joined. */
export function parseDockerfile(text: string): Instruction[] {
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

export function stagesOf(instructions: Instruction[]): {
  globalArgs: Instruction[];
  stages: Stage[];
} {
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

export const all = (stage: Stage, keyword: string) =>
  stage.instructions.filter((i) => i.keyword === keyword).map((i) => i.args);

/** `${NAME}` of a FROM resolved with the global ARG defaults. */
export function resolveImage(from: string, globalArgs: Instruction[]): string {
  return from.replace(/\$\{(\w+)\}/g, (_, name: string) => {
    const arg = globalArgs.find((a) => a.keyword === 'ARG' && a.args.startsWith(`${name}=`));
    return arg ? arg.args.slice(name.length + 1) : '';
  });
}

export const instructions = parseDockerfile(read('Dockerfile'));
export const { globalArgs, stages } = stagesOf(instructions);
export const runtime = stages[stages.length - 1];
export const dockerignore = read('.dockerignore')
  .split('\n')
  .map((line) => line.trim())
  .filter((line) => line && !line.startsWith('#'));

/** The runtime stage's HEALTHCHECK instruction and its exec-form command. */
export function healthcheckOf(stage: Stage): { healthcheck: string; command: string[] } {
  const healthcheck = all(stage, 'HEALTHCHECK')[0] ?? '';
  const command: string[] = JSON.parse(healthcheck.slice(healthcheck.indexOf('CMD ') + 4));
  return { healthcheck, command };
}

import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * Absolute path of a file committed at the project root (`schema/…`), found by walking up
 * from this module: works from `src/` (ts-jest, tsx) and from `dist/src/` (built, Docker
 * image), wherever the project is installed. Throws naming the file when it is missing.
 */
export function findProjectFile(relativePath: string): string {
  for (let dir = __dirname; ; dir = dirname(dir)) {
    const candidate = join(dir, relativePath);
    if (existsSync(candidate)) return candidate;
    if (dirname(dir) === dir) throw new Error(`${relativePath} not found above ${__dirname}`);
  }
}

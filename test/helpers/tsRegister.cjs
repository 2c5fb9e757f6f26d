/**
 * `node -r test/helpers/tsRegister.cjs entry.ts`: runs the TypeScript sources in a child
 * process the way jest runs them in tests (transpiled to CommonJS, no type check), so a
 * process-level test can start a real subgraph process without a build. Extensionless
 * `require('./x')` finds `x.ts` because `.ts` is a registered extension.
 */
const { createHash } = require('node:crypto');
const { mkdirSync, readFileSync, writeFileSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const ts = require('typescript');

/** Transpiled files by a hash of their source: later processes start without transpiling. */
const CACHE = join(tmpdir(), `hypersoft-ts-${process.getuid?.() ?? 'user'}`);
mkdirSync(CACHE, { recursive: true, mode: 0o700 });

const compilerOptions = {
  module: ts.ModuleKind.CommonJS,
  target: ts.ScriptTarget.ES2022,
  esModuleInterop: true,
  sourceMap: false,
};

require.extensions['.ts'] = (module, filename) => {
  const source = readFileSync(filename, 'utf8');
  const cached = join(
    CACHE,
    `${createHash('sha256').update(filename).update(source).digest('hex')}.js`,
  );
  let output;
  try {
    output = readFileSync(cached, 'utf8');
  } catch {
    output = ts.transpileModule(source, { compilerOptions, fileName: filename }).outputText;
    writeFileSync(cached, output, { mode: 0o600 });
  }
  module._compile(output, filename);
};

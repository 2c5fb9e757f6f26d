import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { SYNC_DEFAULTS } from '../../src/data/mirror/sync/options';
import { ALL_SETTINGS, SETTINGS, type Setting, type SettingsDoc } from '../../src/settings';

/**
 * The settings declared in src/settings.ts against the settings tables of README.md and
 * docs/*.md: a table whose header starts `| variable | default | allowed |`. Every row must
 * name declared settings and show their default and allowed values as the declaration
 * gives them (`allowed` may go on after `; `); every declaration must have a row in its
 * `doc`. The subgraph's settings are all in README.md; other docs may repeat some of them
 * (docs/mirror-sync.md), the simulator's are in docs/simulator.md.
 */

const ROOT = join(__dirname, '..', '..');

/** The default cell a declaration gives. */
function defaultCell(s: Setting): string {
  if (s.defaultText !== undefined) return s.defaultText;
  return s.default === null ? '—' : `\`${String(s.default)}\``;
}

/** The allowed cell a declaration gives (a row may add `; …` after it). */
function allowedCell(s: Setting): string {
  switch (s.type) {
    case 'integer':
    case 'decimal':
      return s.max === Number.MAX_SAFE_INTEGER ? `≥ ${s.min}` : `${s.min}–${s.max}`;
    case 'boolean':
      return '`true`, `false`';
    case 'choice':
      return s.allowed.map((v) => `\`${v}\``).join(', ');
    case 'url':
      return s.protocols.map((p) => `\`${p}//…\``).join(', ') + (s.secret ? ' (secret)' : '');
    case 'text':
      return 'text';
    case 'secret':
      return 'secret';
  }
}

interface Row {
  file: string;
  line: number;
  names: string[];
  default: string;
  allowed: string;
}

/** The env variables a variable cell names: `A`, `B` (or `_FILE`), `…_PREVIOUS`. */
function namesIn(cell: string): string[] {
  const names: string[] = [];
  for (const [, token] of cell.matchAll(/`([^`]+)`/g)) {
    if (token === '_FILE') continue;
    if (token.startsWith('…_')) names.push(`${names[0]}${token.slice(1)}`);
    else names.push(token);
  }
  return names;
}

function settingsRows(file: string): Row[] {
  const lines = readFileSync(join(ROOT, file), 'utf8').split('\n');
  const rows: Row[] = [];
  let columns: string[] | null = null;
  lines.forEach((line, i) => {
    if (!line.startsWith('|')) {
      columns = null;
      return;
    }
    const cells = line
      .slice(1, -1)
      .split('|')
      .map((c) => c.trim());
    if (columns === null) {
      columns = cells;
      return;
    }
    if (cells.every((c) => /^-+$/.test(c))) return;
    if (columns[0] !== 'variable' || columns[1] !== 'default') return;
    rows.push({
      file,
      line: i + 1,
      names: namesIn(cells[0]),
      default: cells[1],
      allowed: columns[2] === 'allowed' ? cells[2] : '(no allowed column)',
    });
  });
  return rows;
}

const DOCS = ['README.md', ...readdirSync(join(ROOT, 'docs')).map((f) => `docs/${f}`)].filter((f) =>
  f.endsWith('.md'),
);
const ROWS = DOCS.flatMap(settingsRows);

/** The declarations a file's rows are checked against: the simulator's doc has its own. */
function scopeOf(file: string): SettingsDoc {
  return file === 'docs/simulator.md' ? 'docs/simulator.md' : 'README.md';
}

describe('settings declared once (src/settings.ts) and their tables in README.md and docs/', () => {
  it('finds the settings tables', () => {
    const files = new Set(ROWS.map((r) => r.file));
    expect([...files].sort()).toEqual(['README.md', 'docs/mirror-sync.md', 'docs/simulator.md']);
  });

  it('declares every variable a table lists, with the default and the range the row shows', () => {
    const disagreements: string[] = [];
    for (const row of ROWS) {
      if (row.names.length === 0) disagreements.push(`${row.file}:${row.line} names no variable`);
      for (const name of row.names) {
        const declared = ALL_SETTINGS.find((s) => s.name === name && s.doc === scopeOf(row.file));
        if (!declared) {
          disagreements.push(`${row.file}:${row.line} ${name} is not declared`);
          continue;
        }
        if (row.default !== defaultCell(declared)) {
          disagreements.push(
            `${row.file}:${row.line} ${name} default ${row.default}, declared ${defaultCell(declared)}`,
          );
        }
        const allowed = allowedCell(declared);
        if (row.allowed !== allowed && !row.allowed.startsWith(`${allowed}; `)) {
          disagreements.push(
            `${row.file}:${row.line} ${name} allowed ${row.allowed}, declared ${allowed}`,
          );
        }
      }
    }
    expect(disagreements).toEqual([]);
  });

  it('lists every declared setting in its own document', () => {
    const missing = ALL_SETTINGS.filter(
      (s) => !ROWS.some((r) => r.file === s.doc && r.names.includes(s.name)),
    ).map((s) => `${s.name} (${s.doc})`);
    expect(missing).toEqual([]);
  });

  it('reads every declaration in src/config.ts, and no variable by a name of its own', () => {
    const source = readFileSync(join(ROOT, 'src', 'config.ts'), 'utf8');
    const unread = Object.keys(SETTINGS).filter(
      (key) => !new RegExp(`\\bS\\.${key}\\b`).test(source),
    );
    expect(unread).toEqual([]);
    // Names as literals would bypass the declarations (the message texts aside).
    expect(source.match(/read\.\w+\('/g) ?? []).toEqual([]);
  });

  it("agrees with the sync's own defaults (src/data/mirror/sync/options.ts)", () => {
    expect({
      share: SYNC_DEFAULTS.share,
      loadShare: SYNC_DEFAULTS.loadShare,
      intervalMs: SYNC_DEFAULTS.intervalMs,
      overlapMs: SYNC_DEFAULTS.overlapMs,
      reconcileIntervalMs: SYNC_DEFAULTS.reconcileIntervalMs,
      licenceRetryMs: SYNC_DEFAULTS.licenceRetryMs,
      stationsIntervalMs: SYNC_DEFAULTS.stationsIntervalMs,
      urgentAfterMs: SYNC_DEFAULTS.urgentAfterMs,
    }).toEqual({
      share: SETTINGS.MIRROR_SYNC_SHARE.default,
      loadShare: SETTINGS.MIRROR_SYNC_LOAD_SHARE.default,
      intervalMs: SETTINGS.MIRROR_SYNC_INTERVAL_MS.default,
      overlapMs: SETTINGS.MIRROR_SYNC_OVERLAP_MS.default,
      reconcileIntervalMs: SETTINGS.MIRROR_RECONCILE_INTERVAL_MS.default,
      licenceRetryMs: SETTINGS.MIRROR_LICENCE_RETRY_MS.default,
      stationsIntervalMs: SETTINGS.MIRROR_STATIONS_INTERVAL_MS.default,
      urgentAfterMs: SETTINGS.MIRROR_SYNC_URGENT_AFTER_MS.default,
    });
  });
});

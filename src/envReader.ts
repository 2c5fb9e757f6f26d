import { readFileSync } from 'node:fs';
import type {
  BoolSetting,
  ChoiceSetting,
  DecimalSetting,
  IntSetting,
  TextSetting,
  UrlSetting,
} from './settings';

export type Env = Record<string, string | undefined>;

/**
 * Reads declared settings (src/settings.ts) from an environment. A bad value is added to
 * `problems` (the message names the variable, the value — never a secret's — and what is
 * allowed) and read as unset, so one pass reports every bad value.
 */
export class EnvReader {
  constructor(
    private readonly env: Env,
    private readonly problems: string[],
  ) {}

  /** The trimmed value, `undefined` when unset or blank. */
  raw(name: string): string | undefined {
    const v = this.env[name];
    return v === undefined || v.trim() === '' ? undefined : v.trim();
  }

  /** Free text; unset: its declared default. */
  string(setting: TextSetting): string | null {
    return this.raw(setting.name) ?? setting.default;
  }

  /** An integer in the declared range; unset: `fallback` (a computed default), else the declared one. */
  int(setting: IntSetting & { default: number }): number;
  int(setting: IntSetting, fallback: number): number;
  int(setting: IntSetting, fallback?: number): number {
    return this.optionalInt(setting) ?? fallback ?? (setting.default as number);
  }

  /** An integer in the declared range, `null` when unset. */
  optionalInt(setting: IntSetting): number | null {
    const { name, min, max } = setting;
    const v = this.raw(name);
    if (v === undefined) return null;
    if (!/^-?\d+$/.test(v) || Number(v) < min || Number(v) > max) {
      this.problems.push(
        `${name}=${JSON.stringify(v)} is not allowed: expected an integer from ${min} to ${max}`,
      );
      return null;
    }
    return Number(v);
  }

  /** A decimal number such as `0.5` (no exponent, no sign). */
  decimal(setting: DecimalSetting & { default: number }): number {
    const { name, min, max } = setting;
    const v = this.raw(name);
    if (v === undefined) return setting.default;
    if (!/^\d+(\.\d+)?$/.test(v) || Number(v) < min || Number(v) > max) {
      this.problems.push(
        `${name}=${JSON.stringify(v)} is not allowed: expected a decimal number from ${min} to ${max}`,
      );
      return setting.default;
    }
    return Number(v);
  }

  /** `true`/`1`/`yes` or `false`/`0`/`no`; unset: `fallback` (a computed default), else the declared one. */
  bool(setting: BoolSetting & { default: boolean }, fallback?: boolean): boolean {
    const { name } = setting;
    const v = this.raw(name);
    const otherwise = fallback ?? setting.default;
    if (v === undefined) return otherwise;
    if (['true', '1', 'yes'].includes(v.toLowerCase())) return true;
    if (['false', '0', 'no'].includes(v.toLowerCase())) return false;
    this.problems.push(`${name}=${JSON.stringify(v)} is not allowed: expected true or false`);
    return otherwise;
  }

  /** One of the declared values; unset: the declared default. */
  oneOf<T extends string>(setting: ChoiceSetting<T> & { default: T }): T {
    return this.optionalOneOf(setting) ?? setting.default;
  }

  optionalOneOf<T extends string>(setting: ChoiceSetting<T>): T | null {
    const { name, allowed } = setting;
    const v = this.raw(name);
    if (v === undefined) return null;
    if ((allowed as readonly string[]).includes(v)) return v as T;
    this.problems.push(
      `${name}=${JSON.stringify(v)} is not allowed: expected one of ${allowed.join(', ')}`,
    );
    return null;
  }

  /** A URL of a declared protocol; a secret one from `NAME` or `NAME_FILE`, never echoed. */
  url(setting: UrlSetting): string | null {
    const value = setting.secret
      ? (this.secretValue(setting.name) ?? undefined)
      : this.raw(setting.name);
    return this.validUrl(setting.name, value, setting.protocols);
  }

  private validUrl(
    name: string,
    v: string | undefined,
    protocols: readonly string[],
  ): string | null {
    if (v === undefined) return null;
    try {
      const u = new URL(v);
      if (protocols.includes(u.protocol)) return v;
    } catch {
      // reported below
    }
    // A URL may hold credentials (redis://:password@host): never echo it back.
    this.problems.push(
      `${name} is not a valid URL: expected ${protocols.map((p) => `${p}//…`).join(' or ')}`,
    );
    return null;
  }

  /**
   * A secret and, during a rotation, its previous one (each also `_FILE`): the secrets
   * accepted, current first. The previous without the current is an error.
   */
  secretPair(current: TextSetting, previous: TextSetting): string[] {
    const now = this.secret(current);
    const before = this.secret(previous);
    if (before !== null && now === null) {
      this.problems.push(
        `${previous.name} is set without ${current.name}: set the new secret as ${current.name}`,
      );
    }
    return [now, before].filter((s): s is string => s !== null);
  }

  /**
   * AES-256 keys, each base64 of 32 bytes: `first` (the value of `current`), then the
   * comma-separated `rest` (of `previous`). Named in messages by position, never echoed.
   */
  aesKeys(
    current: TextSetting,
    previous: TextSetting,
    first: string | null,
    rest: string | null,
  ): string[] {
    const keys = rest?.split(',').map((k) => k.trim()) ?? [];
    if (rest !== null && first === null) {
      this.problems.push(`${previous.name} is set without ${current.name}`);
    }
    const all = [...(first === null ? [] : [first]), ...keys];
    all.forEach((key, i) => {
      if (!/^[A-Za-z0-9+/]{43}=$/.test(key) || Buffer.from(key, 'base64').length !== 32) {
        const which =
          first !== null && i === 0
            ? current.name
            : `key ${i + (first === null ? 1 : 0)} of ${previous.name}`;
        this.problems.push(
          `${which} is not allowed: expected 32 random bytes in base64 (44 characters), e.g. from \`openssl rand -base64 32\``,
        );
      }
    });
    return all;
  }

  /** A secret from `NAME` or from the file named by `NAME_FILE` (container secrets). Never echoed. */
  secret(setting: TextSetting): string | null {
    return this.secretValue(setting.name);
  }

  private secretValue(name: string): string | null {
    const direct = this.raw(name);
    const file = this.raw(`${name}_FILE`);
    if (direct !== undefined && file !== undefined) {
      this.problems.push(`${name} and ${name}_FILE are both set: set only one`);
      return null;
    }
    if (file !== undefined) {
      try {
        const value = readFileSync(file, 'utf8').trim();
        if (value === '')
          this.problems.push(`${name}_FILE=${JSON.stringify(file)} names an empty file`);
        return value || null;
      } catch {
        this.problems.push(`${name}_FILE=${JSON.stringify(file)} cannot be read`);
        return null;
      }
    }
    return direct ?? null;
  }
}

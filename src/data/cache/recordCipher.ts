import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createHmac,
  hkdfSync,
  randomBytes,
} from 'node:crypto';

/**
 * How the Redis cache level keeps personal data out of Redis (docs/operations.md,
 * "Production checklist"):
 *
 * - names: a cache key (a customer number, a search query with its text) becomes
 *   HMAC-SHA256 of `<kind>:<key>`, so no search text or other value stands in a Redis key.
 *   Without a key (development only) it is a plain SHA-256.
 * - values: AES-256-GCM with a fresh 12-byte IV per write and the Redis key name as
 *   additional data (a value copied under another name does not decrypt), written as
 *   `v1.<key id>.<iv>.<tag>.<ciphertext>` (base64url). Without a key values are plain JSON.
 *
 * Keys come from `CACHE_ENCRYPTION_KEY` (32 bytes, base64); the name key and the encryption
 * key are derived from it with HKDF, so one secret serves both. A rotation lists the old keys
 * after the new one: entries are written under the current key only, and read under every
 * key (each key names entries differently, so a reader looks up the name of each in turn).
 */
export class RecordCipher {
  private readonly keys: readonly DerivedKey[];

  /** @param keys base64 of 32 bytes each, the current key first; empty: names hashed, values plain. */
  constructor(keys: readonly string[]) {
    this.keys = keys.map((k) => derive(Buffer.from(k, 'base64')));
  }

  get encrypts(): boolean {
    return this.keys.length > 0;
  }

  /** How many names an entry may have: one per key (one without a key). */
  get generations(): number {
    return Math.max(1, this.keys.length);
  }

  /** The name of `key` under key `generation` (0 = current). */
  name(kind: string, key: string, generation = 0): string {
    const text = `${kind}:${key}`;
    const derived = this.keys[generation];
    return derived
      ? createHmac('sha256', derived.names).update(text, 'utf8').digest('base64url')
      : createHash('sha256').update(text, 'utf8').digest('base64url');
  }

  /** `plain` sealed under the current key, bound to the Redis key `name`. */
  seal(plain: string, name: string): string {
    const current = this.keys[0];
    if (!current) return plain;
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', current.records, iv);
    cipher.setAAD(Buffer.from(name, 'utf8'));
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return ['v1', current.id, iv, cipher.getAuthTag(), body]
      .map((part) => (typeof part === 'string' ? part : part.toString('base64url')))
      .join('.');
  }

  /** The plain text of a sealed value, or `null` when no key opens it (unknown, tampered, moved). */
  open(sealed: string, name: string): string | null {
    if (!this.encrypts) return sealed;
    const [version, id, iv, tag, body] = sealed.split('.');
    const key = this.keys.find((k) => k.id === id);
    if (version !== 'v1' || !key || iv === undefined || tag === undefined || body === undefined) {
      return null;
    }
    try {
      const decipher = createDecipheriv('aes-256-gcm', key.records, Buffer.from(iv, 'base64url'));
      decipher.setAAD(Buffer.from(name, 'utf8'));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([
        decipher.update(Buffer.from(body, 'base64url')),
        decipher.final(),
      ]).toString('utf8');
    } catch {
      return null;
    }
  }
}

interface DerivedKey {
  /** Names the key in sealed values without revealing it. */
  id: string;
  names: Buffer;
  records: Buffer;
}

function derive(secret: Buffer): DerivedKey {
  const sub = (info: string) =>
    Buffer.from(hkdfSync('sha256', secret, Buffer.alloc(0), `hypersoft cache ${info}`, 32));
  return {
    id: sub('key id').subarray(0, 6).toString('base64url'),
    names: sub('names'),
    records: sub('records'),
  };
}

import { RecordCipher } from '../../../../src/data/cache/recordCipher';

const KEY = Buffer.alloc(32, 3).toString('base64');
const OLD_KEY = Buffer.alloc(32, 4).toString('base64');

describe('RecordCipher', () => {
  it('seals a record so that it reads back, and shows none of its text', () => {
    const cipher = new RecordCipher([KEY]);
    const sealed = cipher.seal('{"lastName":"Müller"}', 'name-1');

    expect(sealed).toMatch(/^v1\.[\w-]+\.[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(sealed).not.toContain('Müller');
    expect(cipher.open(sealed, 'name-1')).toBe('{"lastName":"Müller"}');
  });

  it('opens nothing that was tampered with, moved to another name, or sealed under an unknown key', () => {
    const cipher = new RecordCipher([KEY]);
    const sealed = cipher.seal('{"lastName":"Müller"}', 'name-1');
    const parts = sealed.split('.');
    const flipped = Buffer.from(parts[4], 'base64url');
    flipped[0] ^= 1;
    parts[4] = flipped.toString('base64url');

    expect(cipher.open(parts.join('.'), 'name-1')).toBeNull();
    expect(cipher.open(sealed, 'name-2')).toBeNull();
    expect(new RecordCipher([OLD_KEY]).open(sealed, 'name-1')).toBeNull();
    expect(cipher.open('{"lastName":"Müller"}', 'name-1')).toBeNull();
  });

  it('reads with the old key during a rotation and writes with the new one', () => {
    const old = new RecordCipher([OLD_KEY]);
    const rotated = new RecordCipher([KEY, OLD_KEY]);
    const sealedBefore = old.seal('before', 'n');

    expect(rotated.open(sealedBefore, 'n')).toBe('before');
    expect(old.open(rotated.seal('after', 'n'), 'n')).toBeNull();
    expect(rotated.name('customerSearch', 'q', 1)).toBe(old.name('customerSearch', 'q'));
  });

  it('names a search key by a keyed hash: no text of it, and another key names it differently', () => {
    const key = '{"search":"anna müller"}';
    const name = new RecordCipher([KEY]).name('customerSearch', key);

    expect(name).toMatch(/^[\w-]{43}$/);
    expect(name).not.toMatch(/anna|m(ü|ue)ller/i);
    expect(new RecordCipher([OLD_KEY]).name('customerSearch', key)).not.toBe(name);
    expect(new RecordCipher([]).name('customerSearch', key)).not.toBe(name);
  });
});

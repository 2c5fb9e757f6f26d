import { createHmac } from 'node:crypto';
import { createRouterAuth, signedText } from '../../../src/graphql/federation/routerAuth';

const SECRET = 'shared-secret-0123456789abcdef';
const HMAC = 'hmac-secret-0123456789abcdef';

const sign = (text: string, key = HMAC) => createHmac('sha256', key).update(text).digest('base64');

describe('createRouterAuth', () => {
  it('accepts everything when no credential is configured', () => {
    const auth = createRouterAuth({ routerSecrets: [], routerHmacSecrets: [] });
    expect(auth.required).toBe(false);
    expect(auth.check({ headers: {} })).toBe('accepted');
  });

  it('decides on the header alone when only a secret is configured', () => {
    const auth = createRouterAuth({ routerSecrets: [SECRET], routerHmacSecrets: [] });
    expect(auth.check({ headers: { 'x-router-secret': SECRET } })).toBe('accepted');
    expect(auth.check({ headers: { 'x-router-secret': `${SECRET} ` } })).toBe('refused');
    expect(auth.check({ headers: {} })).toBe('refused');
    expect(auth.refusalMessage).toMatch(/x-router-secret header is missing or wrong$/);
  });

  it('asks for the parameters when a signature could prove the request', () => {
    const auth = createRouterAuth({ routerSecrets: [SECRET], routerHmacSecrets: [HMAC] });
    const query = '{ stations { number } }';
    expect(auth.check({ headers: {} })).toBe('pending');
    expect(auth.check({ headers: { 'x-router-secret': SECRET } })).toBe('accepted');
    expect(
      auth.check({
        headers: {},
        params: { query, extensions: { 'hmac-signature': sign(JSON.stringify({ query })) } },
      }),
    ).toBe('accepted');
    expect(auth.refusalMessage).toMatch(/x-router-secret header or Hive Gateway's hmac-signature/);
  });

  it('refuses a signature of another text, another key, or not 32 bytes of base64', () => {
    const auth = createRouterAuth({ routerSecrets: [], routerHmacSecrets: [HMAC] });
    const query = '{ stations { number } }';
    const good = sign(JSON.stringify({ query }));
    const check = (signature: unknown, q = query) =>
      auth.check({
        headers: {},
        params: { query: q, extensions: { 'hmac-signature': signature } },
      });

    expect(check(good)).toBe('accepted');
    expect(check(good, '{ stations { name } }')).toBe('refused');
    expect(check(sign(JSON.stringify({ query }), 'another-key'))).toBe('refused');
    expect(check(good.slice(0, -1))).toBe('refused');
    expect(check(Buffer.from(good, 'base64').toString('hex'))).toBe('refused');
    expect(check(42)).toBe('refused');
    expect(auth.check({ headers: {}, params: { query } })).toBe('refused');
  });
});

describe('signedText (what Hive Gateway signs)', () => {
  it('sorts keys at every depth and leaves out empty or missing variables', () => {
    expect(
      signedText({ query: '{a}', variables: { z: 1, a: { y: [2, { c: 3, b: 4 }], x: null } } }),
    ).toBe('{"query":"{a}","variables":{"a":{"x":null,"y":[2,{"b":4,"c":3}]},"z":1}}');
    expect(signedText({ query: '{a}', variables: {} })).toBe('{"query":"{a}"}');
    expect(signedText({ query: '{a}', variables: null })).toBe('{"query":"{a}"}');
    expect(signedText({ query: '{a}', extensions: { 'hmac-signature': 'x' } })).toBe(
      '{"query":"{a}"}',
    );
  });
});

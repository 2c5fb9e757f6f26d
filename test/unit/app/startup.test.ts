import { CONFIG_EXIT_CODE, configOrExit } from '../../../src/app/startup';

class Exited extends Error {
  constructor(readonly code: number) {
    super(`exit ${code}`);
  }
}

function start(env: Record<string, string>): { code: number | null; stderr: string } {
  let stderr = '';
  const io = {
    stderr: { write: (text: string) => (stderr += text) },
    exit: (code: number): never => {
      throw new Exited(code);
    },
  };
  try {
    configOrExit(env, io);
    return { code: null, stderr };
  } catch (e) {
    if (e instanceof Exited) return { code: e.code, stderr };
    throw e;
  }
}

describe('starting the process', () => {
  it('exits non-zero in production without API300_URL, naming it', () => {
    const { code, stderr } = start({ NODE_ENV: 'production', ROUTER_SECRET: 'x'.repeat(32) });

    expect(code).toBe(CONFIG_EXIT_CODE);
    expect(CONFIG_EXIT_CODE).not.toBe(0);
    expect(stderr).toMatch(/API300_URL/);
  });

  it('exits non-zero in production without a router credential, naming the settings', () => {
    const { code, stderr } = start({
      NODE_ENV: 'production',
      API300_URL: 'https://api.example/Service/API300.asmx',
      API300_CUS_TOKEN: 'c',
      API300_AUTH_TOKEN: 'a',
    });

    expect(code).toBe(CONFIG_EXIT_CODE);
    expect(stderr).toMatch(/ROUTER_SECRET[\s\S]*ROUTER_HMAC_SECRET[\s\S]*ROUTER_AUTH_DISABLED/);
  });

  it('starts without any setting outside production (the quick start)', () => {
    expect(start({})).toEqual({ code: null, stderr: '' });
  });
});

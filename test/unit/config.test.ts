import { loadConfig, ConfigError } from '../../src/config';

describe('loadConfig', () => {
  it('gives documented defaults for an empty environment', () => {
    const c = loadConfig({});
    expect(c.port).toBe(4001);
    expect(c.api300.url).toBeNull();
    expect(c.upstream.callsPerMinute).toBe(50);
    expect(Object.isFrozen(c.upstream)).toBe(true);
  });

  it('refuses a budget above the API300 limit, naming variable, value and range', () => {
    expect(() => loadConfig({ UPSTREAM_CALLS_PER_MINUTE: '61' })).toThrow(
      /UPSTREAM_CALLS_PER_MINUTE="61" is not allowed: expected an integer from 1 to 60/,
    );
  });

  it('requires tokens when a real endpoint is configured and never echoes a URL with credentials', () => {
    expect(() => loadConfig({ API300_URL: 'https://api.example/Service/API300.asmx' })).toThrow(
      ConfigError,
    );
    let message = '';
    try {
      loadConfig({ REDIS_URL: 'http://:hunter2@localhost' });
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(/REDIS_URL is not a valid URL/);
    expect(message).not.toMatch(/hunter2/);
  });

  it('reports every bad value at once', () => {
    expect(() => loadConfig({ PORT: 'x', LOG_LEVEL: 'loud' })).toThrow(
      /PORT="x"[\s\S]*LOG_LEVEL="loud"/,
    );
  });
});

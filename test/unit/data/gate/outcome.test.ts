import { outcomeOf } from '../../../../src/data/gate/outcome';
import { Api300Error } from '../../../../src/data/errors';

describe('the outcome of an upstream call', () => {
  it('is ok without an error', () => {
    expect(outcomeOf(undefined)).toBe('ok');
  });

  it('tells unreachable, auth and refused calls apart by the client’s error code', () => {
    expect(outcomeOf(new Api300Error('UPSTREAM_UNAVAILABLE', 'timeout'))).toBe('unavailable');
    expect(outcomeOf(new Api300Error('UPSTREAM_BLOCKED', 'blocked'))).toBe('auth');
    expect(outcomeOf(new Api300Error('UPSTREAM_AUTH', 'unknown token'))).toBe('auth');
    expect(outcomeOf(new Api300Error('NOT_FOUND', 'no such customer'))).toBe('refused');
    expect(outcomeOf(new Api300Error('UPSTREAM_VALIDATION', 'bad zip'))).toBe('refused');
  });

  it('counts an error without a code as unavailable (the call may not have happened)', () => {
    expect(outcomeOf(new Error('socket hang up'))).toBe('unavailable');
  });
});

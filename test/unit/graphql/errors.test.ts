import { GraphQLError } from 'graphql';
import { createFormatError, publicError } from '../../../src/graphql/errors';
import { Api300Error } from '../../../src/data/errors';

function recordingLogger() {
  const errors: object[] = [];
  return { errors, logger: { info() {}, warn() {}, error: (obj: object) => errors.push(obj) } };
}

/** What graphql-js hands Apollo when a resolver at `customer` throws `thrown`. */
function fromResolver(thrown: Error): GraphQLError {
  return new GraphQLError(thrown.message, { path: ['customer'], originalError: thrown });
}

function format(error: GraphQLError, code = 'INTERNAL_SERVER_ERROR') {
  const { logger, errors } = recordingLogger();
  const formatted = createFormatError(logger)(
    { message: error.message, path: error.path, extensions: { code, stacktrace: ['at x'] } },
    error,
  );
  return { formatted, logged: errors };
}

describe('error formatting', () => {
  it('masks a resolver’s uncoded error and logs it without its message', () => {
    const { formatted, logged } = format(fromResolver(new Error('soap:Fault AuthToken=abc')));

    expect(formatted).toEqual({
      message: 'Internal server error',
      path: ['customer'],
      extensions: { code: 'INTERNAL_SERVER_ERROR' },
    });
    expect(JSON.stringify(logged)).not.toContain('AuthToken');
  });

  it('masks a GraphQLError without a code', () => {
    expect(format(fromResolver(new GraphQLError('Cannot return null'))).formatted.message).toBe(
      'Internal server error',
    );
  });

  it('passes coded GraphQL errors on without a stack trace', () => {
    const { formatted } = format(
      fromResolver(new GraphQLError('Invalid input', { extensions: { code: 'BAD_USER_INPUT' } })),
      'BAD_USER_INPUT',
    );

    expect(formatted).toEqual({
      message: 'Invalid input',
      path: ['customer'],
      extensions: { code: 'BAD_USER_INPUT' },
    });
  });

  it('passes upstream errors on with their code, and retryAfter only when rate limited', () => {
    const blocked = format(
      fromResolver(new Api300Error('UPSTREAM_BLOCKED', 'Token blocked', { retryAfter: 9 })),
    );
    const limited = format(
      fromResolver(new Api300Error('UPSTREAM_RATE_LIMITED', 'No budget', { retryAfter: 2.5 })),
    );

    expect(blocked.formatted.extensions).toEqual({ code: 'UPSTREAM_BLOCKED' });
    expect(limited.formatted).toMatchObject({
      message: 'No budget',
      extensions: { code: 'UPSTREAM_RATE_LIMITED', retryAfter: 3 },
    });
  });

  it('does not trust a foreign error’s code', () => {
    const nodeError = Object.assign(new Error('connect ECONNREFUSED 10.0.0.1:443'), {
      code: 'ECONNREFUSED',
    });

    expect(format(fromResolver(nodeError)).formatted.message).toBe('Internal server error');
  });

  it('gives bulk operations the same public form per record', () => {
    const { logger, errors } = recordingLogger();

    expect(publicError(new Api300Error('CONFLICT', 'Busy'), logger, 'r1')).toEqual({
      code: 'CONFLICT',
      message: 'Busy',
    });
    expect(publicError(new TypeError('x is undefined'), logger, 'r1')).toEqual({
      code: 'INTERNAL_SERVER_ERROR',
      message: 'Internal server error',
    });
    expect(errors).toEqual([expect.objectContaining({ requestId: 'r1', errorName: 'TypeError' })]);
  });
});

import type { MaybePromise } from '../../data/loaders/loaders';

/**
 * `f` of a value that may come at once (read from memory) or later (a loader's batch): at once
 * when it is there, so graphql-js completes the field without a promise.
 */
export function then<T, U>(value: MaybePromise<T>, f: (value: T) => U): MaybePromise<U> {
  return value instanceof Promise ? value.then(f) : f(value);
}

import { createHash } from 'node:crypto';
import { MirrorStoreError } from '../types';

/**
 * Whose copy a persisted mirror is: a hash of the API300 endpoint and the token pair's id
 * (`tokenPairId`, itself a hash — never the tokens). Stores record it when they are first
 * written and refuse to load under another identity, so a restart with another token pair or
 * endpoint never serves, nor syncs from the watermarks of, another venue's records.
 */
export function mirrorIdentity(endpoint: string, tokenPairId: string): string {
  let normalized = endpoint.trim();
  try {
    normalized = new URL(normalized).toString();
  } catch {
    // Kept as written: the hash only has to be stable.
  }
  return createHash('sha256')
    .update(`${normalized}\u0000${tokenPairId}`)
    .digest('hex')
    .slice(0, 32);
}

/** The refusal of a store recorded for another identity; `where` names the folder or database. */
export function identityMismatch(
  where: string,
  recorded: string,
  expected: string,
): MirrorStoreError {
  return new MirrorStoreError(
    `${where} holds the mirror of another API300 endpoint or token pair (identity ${recorded}, ` +
      `this process is ${expected}): it is not used. Point the store at another place, or empty ` +
      'it to load this venue anew',
  );
}

/** The refusal of a store that holds records but no identity (an older version, or not a mirror). */
export function identityMissing(where: string): MirrorStoreError {
  return new MirrorStoreError(
    `${where} holds mirror records without a recorded identity (written by an older version, or ` +
      "not a mirror store): it is not used, as it may be another venue's. Empty it to load anew",
  );
}

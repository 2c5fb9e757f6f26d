/**
 * How an outcome is kept under its key: the entity cache's JSON that keeps `Date`s, so a
 * replayed record is the record the first attempt answered.
 */
export { encode, decode } from '../cache/recordCodec';

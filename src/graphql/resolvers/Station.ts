import type { StationResolvers } from '../__generated__/resolvers-types';
import type { Context } from '../context';
import { intKeyOf } from '../federation/representations';

export const Station: StationResolvers<Context> = {
  __resolveReference({ number }, ctx) {
    const key = intKeyOf(number);
    return key === null ? null : ctx.loaders.stationByNumber.load(key);
  },
};

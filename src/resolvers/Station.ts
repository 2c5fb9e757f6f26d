import type { StationResolvers } from '../__generated__/resolvers-types';
import type { Context } from '../context';

export const Station: StationResolvers<Context> = {
  __resolveReference({ number }, ctx) {
    return Number.isInteger(number) ? ctx.loaders.stationByNumber.load(number) : null;
  },
};

import type { RecordChange } from '../../domain/changes';
import type { Logger } from '../../platform/logger';
import { changeKindOf, entityOf } from './events';

/**
 * Publishes each change for event-driven routers (Cosmo Streams, Apollo's event sources) on
 * Redis Pub/Sub, so a router can serve subscriptions without calling the subgraph: the message
 * is the entity reference `{"__typename":"Reservation","id":42}` plus `"change":"CANCELLED"`
 * (JSON), on the channel `<prefix>.<Type>` — `hypersoft.Customer`, `hypersoft.Reservation`,
 * `hypersoft.Ticket`, `hypersoft.Station` with the default prefix — and, for reservations and
 * tickets, also on `<prefix>.<Type>.station.<n>` (the reservation's station, the station a
 * ticket was redeemed at), so a board of one station listens to its channel only.
 *
 * Fire and forget (Pub/Sub is at most once anyway): a failed publish is counted and logged
 * once a minute at most, never retried, never blocking the mirror.
 */
export interface RedisEvents {
  notify(changes: readonly RecordChange[]): void;
  stats(): { published: number; failed: number };
}

export interface RedisPublisher {
  publish(channel: string, message: string): Promise<unknown>;
}

export function eventChannels(prefix: string, change: RecordChange): string[] {
  const { __typename } = entityOf(change);
  const channels = [`${prefix}.${__typename}`];
  const record = (change.after ?? change.before) as {
    stationNumber?: number;
    redeemedStation?: number | null;
  };
  const station =
    change.kind === 'reservations'
      ? record.stationNumber
      : change.kind === 'tickets'
        ? record.redeemedStation
        : null;
  if (station !== null && station !== undefined)
    channels.push(`${prefix}.${__typename}.station.${station}`);
  return channels;
}

export function createRedisEvents(options: {
  redis: RedisPublisher;
  prefix: string;
  logger?: Logger;
  now?: () => number;
}): RedisEvents {
  const now = options.now ?? Date.now;
  const counts = { published: 0, failed: 0 };
  let loggedAt = -Infinity;
  return {
    notify(changes) {
      for (const change of changes) {
        const message = JSON.stringify({ ...entityOf(change), change: changeKindOf(change) });
        for (const channel of eventChannels(options.prefix, change)) {
          options.redis.publish(channel, message).then(
            () => counts.published++,
            (error: unknown) => {
              counts.failed++;
              if (now() - loggedAt < 60_000) return;
              loggedAt = now();
              options.logger?.warn(
                { err: (error as Error).message, failed: counts.failed },
                'publishing a change on Redis failed (not retried: Pub/Sub is at most once)',
              );
            },
          );
        }
      }
    },
    stats: () => ({ ...counts }),
  };
}

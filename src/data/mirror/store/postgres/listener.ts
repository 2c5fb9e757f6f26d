import pg from 'pg';
import type { Clock } from '../../../../platform/clock';
import type { Logger } from '../../../../platform/logger';
import { CHANGES_CHANNEL } from './schema';

/** The longest pause between two attempts to connect again. */
const MAX_RECONNECT_DELAY_MS = 5_000;

export interface ChangeListenerOptions {
  /** Connection settings of the store's pool; the listener's one has no statement timeout. */
  connection: pg.ClientConfig;
  /** The store's id in NOTIFY payloads: its own applies do not wake it. */
  instanceId: string;
  /** First delay before it connects again; doubles up to 5 s. */
  reconnectDelayMs: number;
  /** How often the idle connection is checked with a cheap query. */
  heartbeatMs: number;
  clock: Clock;
  logger?: Pick<Logger, 'warn' | 'error'> | undefined;
}

/**
 * The store's change listener: one dedicated connection LISTENing on the feed's channel,
 * re-established when lost.
 *
 * Contract:
 * - It connects when the first subscriber comes (`onChange`), never before, and calls every
 *   subscriber on a NOTIFY from another store instance (not its own: `instanceId`).
 * - After each (re)established LISTEN it calls every subscriber once: notifications sent
 *   before LISTEN took effect — at start, or while the connection was down — are never
 *   delivered, so a subscriber must look at the feed itself. Subscribers may therefore be
 *   called without a change; a call is "look now", not "a change happened".
 * - A lost connection (an error, its end, or a heartbeat query that fails: an idle socket
 *   whose peer vanished may never error by itself) is logged and tried again after
 *   `reconnectDelayMs`, doubling up to 5 s, reset once LISTEN succeeds. It never throws.
 * - A subscriber that throws is logged; the others are still called.
 * - `close()` cancels the timers, drops the subscribers and ends the connection; nothing is
 *   tried again afterwards.
 */
export interface ChangeListener {
  /** Subscribes (and connects, if not yet); returns the unsubscribe function. */
  onChange(fn: () => void): () => void;
  /** Whether the LISTEN is established now. */
  listening(): boolean;
  close(): Promise<void>;
}

export function createChangeListener(options: ChangeListenerOptions): ChangeListener {
  const { connection, instanceId, clock, logger } = options;
  const settings = { reconnectDelayMs: options.reconnectDelayMs, heartbeatMs: options.heartbeatMs };
  let closed = false;

  // --- change listener: one dedicated connection LISTENing, re-established when lost ---

  const listeners = new Set<() => void>();
  let listener: pg.Client | null = null;
  let connecting = false;
  let isListening = false;
  let reconnectDelay = settings.reconnectDelayMs;
  let cancelReconnect: (() => void) | null = null;
  let cancelHeartbeat: (() => void) | null = null;

  function emit(): void {
    for (const fn of [...listeners]) {
      try {
        fn();
      } catch (error) {
        logger?.error({ err: (error as Error).message }, 'mirror change listener threw');
      }
    }
  }

  async function listen(): Promise<void> {
    if (closed || listener || connecting || listeners.size === 0) return;
    connecting = true;
    const client = new pg.Client({ ...connection, statement_timeout: 0 });
    const lost = (error?: Error) => {
      // Before LISTEN succeeded, the failed connect or query is handled where it was awaited.
      if (listener !== client) return;
      listener = null;
      isListening = false;
      cancelHeartbeat?.();
      cancelHeartbeat = null;
      client.removeAllListeners('notification');
      client.end().catch(() => {});
      if (!closed) {
        logger?.warn(
          { err: error?.message, retryInMs: reconnectDelay },
          'mirror change listener lost its connection',
        );
        scheduleReconnect();
      }
    };
    client.on('error', lost);
    client.on('end', () => lost());
    client.on('notification', (message) => {
      if (message.channel === CHANGES_CHANNEL && message.payload !== instanceId) emit();
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${CHANGES_CHANNEL}`);
    } catch (error) {
      connecting = false;
      client.removeAllListeners();
      client.on('error', () => {});
      client.end().catch(() => {});
      if (!closed) {
        logger?.warn(
          { err: (error as Error).message, retryInMs: reconnectDelay },
          'mirror change listener cannot connect',
        );
        scheduleReconnect();
      }
      return;
    }
    connecting = false;
    if (closed) {
      await client.end().catch(() => {});
      return;
    }
    listener = client;
    isListening = true;
    reconnectDelay = settings.reconnectDelayMs;
    scheduleHeartbeat(client);
    // Notifications sent before LISTEN took effect are not delivered: a subscriber may have
    // missed changes (at start, or while the connection was down), so it looks once now.
    emit();
  }

  function scheduleReconnect(): void {
    if (closed || cancelReconnect) return;
    const delay = reconnectDelay;
    reconnectDelay = Math.min(reconnectDelay * 2, MAX_RECONNECT_DELAY_MS);
    cancelReconnect = clock.schedule(delay, () => {
      cancelReconnect = null;
      void listen();
    });
  }

  /** An idle socket whose peer vanished may never error by itself: a cheap query finds out. */
  function scheduleHeartbeat(client: pg.Client): void {
    cancelHeartbeat = clock.schedule(settings.heartbeatMs, () => {
      cancelHeartbeat = null;
      if (listener !== client) return;
      client.query('SELECT 1').then(
        () => {
          if (listener === client) scheduleHeartbeat(client);
        },
        (error: Error) => client.emit('error', error),
      );
    });
  }

  return {
    listening: () => isListening,
    onChange(fn) {
      listeners.add(fn);
      void listen();
      return () => {
        listeners.delete(fn);
      };
    },
    async close() {
      if (closed) return;
      closed = true;
      cancelReconnect?.();
      cancelHeartbeat?.();
      listeners.clear();
      const client = listener;
      listener = null;
      isListening = false;
      if (client) {
        client.removeAllListeners();
        client.on('error', () => {});
        await client.end().catch(() => {});
      }
    },
  };
}

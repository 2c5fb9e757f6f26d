import type { DataPathStats } from '../../../src/data/stats';
import { createMetrics } from '../../../src/ops/metrics';

function statsWith(overrides: Partial<DataPathStats['upstream']> = {}): DataPathStats {
  return {
    upstream: {
      calls: [
        { operation: 'GetCustomers', outcome: 'ok', count: 7 },
        { operation: 'GetCustomers', outcome: 'unavailable', count: 2 },
        { operation: 'SetCustomer', outcome: 'refused', count: 1 },
      ],
      budgetLeft: 41,
      queueLength: 3,
      breaker: 'closed',
      lastCall: null,
      ...overrides,
    },
    cache: { hits: 120, misses: 9, staleServes: 4 },
  };
}

describe('metrics', () => {
  it('report the data path’s state as it is when scraped', async () => {
    let stats = statsWith();
    const metrics = createMetrics({ dataPath: { stats: () => stats }, processMetrics: false });

    let text = await metrics.registry.metrics();
    expect(text).toContain(
      'hypersoft_upstream_calls_total{operation="GetCustomers",outcome="ok"} 7',
    );
    expect(text).toContain(
      'hypersoft_upstream_calls_total{operation="GetCustomers",outcome="unavailable"} 2',
    );
    expect(text).toContain(
      'hypersoft_upstream_calls_total{operation="SetCustomer",outcome="refused"} 1',
    );
    expect(text).toContain('hypersoft_upstream_budget_remaining 41');
    expect(text).toContain('hypersoft_upstream_queue_length 3');
    expect(text).toContain('hypersoft_upstream_breaker_state{state="closed"} 1');
    expect(text).toContain('hypersoft_upstream_breaker_state{state="open"} 0');
    expect(text).not.toContain('half-open');
    expect(text).toContain('hypersoft_cache_lookups_total{result="hit"} 120');
    expect(text).toContain('hypersoft_cache_lookups_total{result="miss"} 9');
    expect(text).toContain('hypersoft_cache_lookups_total{result="stale"} 4');

    stats = statsWith({
      calls: [{ operation: 'GetCustomers', outcome: 'ok', count: 8 }],
      budgetLeft: 40,
      breaker: 'open',
    });
    text = await metrics.registry.metrics();
    expect(text).toContain(
      'hypersoft_upstream_calls_total{operation="GetCustomers",outcome="ok"} 8',
    );
    expect(text).toContain('hypersoft_upstream_budget_remaining 40');
    expect(text).toContain('hypersoft_upstream_breaker_state{state="open"} 1');
    expect(text).toContain('hypersoft_upstream_breaker_state{state="closed"} 0');
  });

  it('report subscriptions by transport, events delivered, slow consumers and callbacks taken over', async () => {
    const metrics = createMetrics({
      processMetrics: false,
      subscriptions: {
        stats: () => ({
          active: { websocket: 3, sse: 1, callback: 2 },
          delivered: { websocket: 40, sse: 5, callback: 7 },
          callbacksTakenOver: 1,
          slowConsumers: 2,
        }),
      },
    });
    const text = await metrics.registry.metrics();
    expect(text).toContain('hypersoft_subscriptions_active{transport="websocket"} 3');
    expect(text).toContain('hypersoft_subscriptions_active{transport="sse"} 1');
    expect(text).toContain('hypersoft_subscriptions_active{transport="callback"} 2');
    expect(text).toContain(
      'hypersoft_subscription_events_delivered_total{transport="websocket"} 40',
    );
    expect(text).toContain('hypersoft_subscription_events_delivered_total{transport="callback"} 7');
    expect(text).toContain('hypersoft_subscriptions_slow_consumers_total 2');
    expect(text).toContain('hypersoft_callback_subscriptions_taken_over_total 1');
  });

  it('record queue wait times in seconds by priority', async () => {
    const metrics = createMetrics({ processMetrics: false });
    metrics.recordQueueWait(40, 'read');
    metrics.recordQueueWait(3_000, 'read');
    metrics.recordQueueWait(0, 'write');

    const text = await metrics.registry.metrics();
    expect(text).toContain(
      'hypersoft_upstream_queue_wait_seconds_bucket{le="0.05",priority="read"} 1',
    );
    expect(text).toContain('hypersoft_upstream_queue_wait_seconds_count{priority="read"} 2');
    expect(text).toContain('hypersoft_upstream_queue_wait_seconds_sum{priority="read"} 3.04');
    expect(text).toContain('hypersoft_upstream_queue_wait_seconds_count{priority="write"} 1');
  });

  it('leave the data path metrics out when there is no data path, and keep registries apart', async () => {
    const first = createMetrics({ processMetrics: false });
    const second = createMetrics({ processMetrics: true });
    first.recordQueueWait(10, 'read');

    const firstText = await first.registry.metrics();
    const secondText = await second.registry.metrics();
    expect(firstText).not.toContain('hypersoft_upstream_calls_total');
    expect(firstText).not.toContain('process_cpu');
    expect(secondText).toContain('process_cpu_user_seconds_total');
    expect(secondText).toContain('nodejs_eventloop_lag_seconds');
    expect(secondText).not.toMatch(/queue_wait_seconds_count\{priority="read"\} 1/);
  });
});

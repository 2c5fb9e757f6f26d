import { loadConfig, type Config } from '../../../src/config';
import { createApp, type App } from '../../../src/graphql/server';
import type { Repository } from '../../../src/data/repository/types';
import { startLoyaltySubgraph } from '../../fixtures/subgraphs/loyalty';
import { startOrdersSubgraph, type OrderRecord } from '../../fixtures/subgraphs/orders';
import type { FixtureSubgraph } from '../../fixtures/subgraphs/start';
import {
  composeSupergraph,
  fetchServiceSdl,
  startGateway,
  type RunningGateway,
  type Supergraph,
} from '../../helpers/gateway';

/** Name of this subgraph in the supergraph (as in supergraph.yaml). */
export const SUBGRAPH_NAME = 'hypersoft';

export interface Federation {
  gateway: RunningGateway;
  /** This subgraph, reached directly (not through the gateway). */
  subgraphUrl: string;
  app: App;
  orders: FixtureSubgraph;
  loyalty: FixtureSubgraph;
  supergraph: Supergraph;
  stop(): Promise<void>;
}

export interface FederationOptions {
  repository: Repository;
  orders: readonly OrderRecord[];
  /** Environment for `loadConfig` (e.g. `{ ROUTER_SECRET: '…' }`). */
  env?: Record<string, string>;
  /** Headers the gateway sends to every subgraph. */
  subgraphHeaders?: Record<string, string>;
  /** Clock of request deadlines; the data path's clock when it has one. */
  now?: () => number;
}

/** This subgraph (port 0), the orders and loyalty fixtures, and a gateway over their composition. */
export async function startFederation(options: FederationOptions): Promise<Federation> {
  const config: Config = loadConfig(options.env ?? {});
  const app = await createApp({
    config,
    repository: options.repository,
    stopGracePeriodMs: 1000,
    now: options.now,
  });
  const started: { stop(): Promise<void> }[] = [app];
  try {
    const { url: subgraphUrl } = await app.listen(0, '127.0.0.1');
    const orders = await startOrdersSubgraph(options.orders);
    started.push(orders);
    const loyalty = await startLoyaltySubgraph();
    started.push(loyalty);
    const headers = options.subgraphHeaders ?? {};
    const supergraph = composeSupergraph([
      { name: SUBGRAPH_NAME, url: subgraphUrl, sdl: await fetchServiceSdl(subgraphUrl, headers) },
      { name: orders.name, url: orders.url, sdl: await fetchServiceSdl(orders.url) },
      { name: loyalty.name, url: loyalty.url, sdl: await fetchServiceSdl(loyalty.url) },
    ]);
    const gateway = await startGateway(supergraph.supergraphSdl, headers);
    started.push(gateway);
    return {
      gateway,
      subgraphUrl,
      app,
      orders,
      loyalty,
      supergraph,
      stop: () => stopAll(started),
    };
  } catch (e) {
    await stopAll(started);
    throw e;
  }
}

async function stopAll(servers: { stop(): Promise<void> }[]): Promise<void> {
  await Promise.all(servers.reverse().map((s) => s.stop()));
}

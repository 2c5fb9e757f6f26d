/** A customer's city: what a till change in these scenarios sets and the subgraph is asked for. */
export const CITY_QUERY = /* GraphQL */ `
  query City($number: Int!) {
    customer(number: $number) {
      number
      city
    }
  }
`;

/** A change made at the till, behind the subgraph's back: the simulator's till endpoint for customers. */
export async function tillChange(
  simBaseUrl: string,
  record: Record<string, unknown>,
): Promise<void> {
  const response = await fetch(`${simBaseUrl}/__simulator/till/customers`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(record),
  });
  if (!response.ok)
    throw new Error(`till change: HTTP ${response.status} ${await response.text()}`);
}

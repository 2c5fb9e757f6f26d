import type { RecordKind } from '../domain/models';
import type { ApolloServerPlugin } from '@apollo/server';
import { ApolloArmor } from '@escape.tech/graphql-armor';
import {
  GraphQLError,
  Lexer,
  Source,
  TokenKind,
  type ParseOptions,
  type ValidationContext,
  type ValidationRule,
} from 'graphql';
import type { Config } from '../config';
import { createUpstreamBudgetPlugin } from './upstreamBudget';

/**
 * Request limits (docs/operations.md, "Request limits"). Two layers:
 *
 * 1. GraphQL Armor validation rules against abusive documents: depth, cost, aliases and
 *    directives (tokens: graphql-js's own parse limit), sized for this schema (the deepest useful query,
 *    customers → edges → node → reservations → tickets → reservation → station → name, has
 *    depth 8), and field suggestions ("Did you mean …") masked when introspection is off,
 *    since they reveal the schema just as introspection would.
 * 2. The upstream budget rule: before execution, estimate how many upstream records the
 *    operation needs (`estimateUpstreamRecords`, upstreamBudget.ts) and refuse it with
 *    `UPSTREAM_BUDGET_EXCEEDED` when that is more than one minute of budget can fetch: 500
 *    records per call, for a query the calls reads may use (`callsPerMinute` −
 *    `writeReserve`), for a mutation every call (writes and their fresh reads run on the
 *    whole budget). Such an operation would otherwise queue for minutes, starve everyone
 *    else, and still fail at its deadline. It runs as a plugin, not a validation rule,
 *    because it needs the variables (`first: $n`, `representations: $reps`, `customers: $list`).
 */

export const REQUEST_LIMITS = {
  maxDepth: 10,
  maxAliases: 15,
  maxDirectives: 20,
  /** Enough for any hand-written query of this schema and the router's fetches; lists go in variables. */
  maxTokens: 2000,
  /**
   * Armor's cost: 1 per scalar, 2 per object, ×1.5 per level, × a literal `first`. Every
   * field of customers, their reservations and tickets under `customers(first: 500)` costs
   * about 240,000: one such page passes, two in one operation do not. (Armor does not see
   * `first: $variable`; the upstream budget rule does.)
   */
  maxCost: 300_000,
} as const;

export interface RequestLimitsOptions {
  config: Pick<Config, 'introspection' | 'upstream'>;
  /** Mask "Did you mean …" in error messages (default: when introspection is off). */
  blockFieldSuggestions?: boolean;
  /**
   * Whether reads of a kind are answered without upstream calls right now (the mirror holds
   * it); the budget rule then counts nothing for them. Default: every read costs.
   */
  answeredLocally?: (kind: RecordKind) => boolean;
}

export interface RequestLimits {
  /** For `AppDeps.validationRules`. */
  validationRules: ValidationRule[];
  /** For `AppDeps.plugins`: armor's suggestion mask and the upstream budget rule. */
  plugins: ApolloServerPlugin[];
  /** For `AppDeps.parseOptions`: the token limit. */
  parseOptions: ParseOptions;
}

/** The limits a refusal can name: their maximum, their name in words, how a value is said. */
const LIMIT_WORDING = {
  depth: { max: REQUEST_LIMITS.maxDepth, noun: 'depth', is: (v: Said) => `is ${v} levels deep` },
  aliases: { max: REQUEST_LIMITS.maxAliases, noun: 'alias', is: (v: Said) => `uses ${v} aliases` },
  directives: {
    max: REQUEST_LIMITS.maxDirectives,
    noun: 'directive',
    is: (v: Said) => `uses ${v} directives`,
  },
  cost: {
    max: REQUEST_LIMITS.maxCost,
    noun: 'cost',
    is: (v: Said) =>
      `costs ${v} (1 per scalar field, 2 per object, ×1.5 per level, × a literal \`first\`)`,
  },
  tokens: { max: REQUEST_LIMITS.maxTokens, noun: 'token', is: (v: Said) => `has ${v} tokens` },
} as const;

/** A measured value, or words for one that was not measured to the end (`more than 200000`). */
type Said = number | string;

export type RequestLimitName = keyof typeof LIMIT_WORDING;

/**
 * A refusal that reads as what it is — `The operation is 12 levels deep, more than the depth
 * limit of 10.` — with `extensions.limit` (its name), `max` and `value`. Apollo adds the code
 * (`GRAPHQL_VALIDATION_FAILED`, or `GRAPHQL_PARSE_FAILED` for tokens) and HTTP 400.
 */
export function limitRefusal(limit: RequestLimitName, value: Said): GraphQLError {
  const { max, noun, is } = LIMIT_WORDING[limit];
  return new GraphQLError(`The operation ${is(value)}, more than the ${noun} limit of ${max}.`, {
    extensions: { limit, max, value },
  });
}

/**
 * GraphQL Armor words its refusals as `Syntax Error: Query depth limit of 10 exceeded,
 * found 12.` and throws them as such, though they are no syntax errors. Its rules are told
 * not to throw (`propagateOnRejection: false`); this callback reports the refusal in our
 * words instead, on the same validation context, so Apollo answers it like any validation
 * error. The found value is read from Armor's message (`found N`), the one place it says it.
 */
function reportInOurWords(limit: RequestLimitName) {
  return (context: ValidationContext | null, error: GraphQLError): void => {
    const found = /found (\d+(?:\.\d+)?)/.exec(error.message)?.[1];
    context?.reportError(limitRefusal(limit, found === undefined ? NaN : Math.ceil(Number(found))));
  };
}

const REPORT = (limit: RequestLimitName) => ({
  propagateOnRejection: false,
  onReject: [reportInOurWords(limit)],
});

/**
 * graphql-js stops parsing at the token limit with `Syntax Error: Document contains more
 * that 2000 tokens. Parsing aborted.` (sic). The refusal in our words, with the document's
 * token count, or `null` when `error` is not that refusal. Counting stops at 100 × the
 * limit, so a huge document costs a bounded amount of lexing (then the value is `more than N`).
 */
export function tokenLimitRefusal(error: unknown): GraphQLError | null {
  if (
    !(error instanceof GraphQLError) ||
    !/Document contains more th[ae]t \d+ tokens/.test(error.message)
  )
    return null;
  const body = error.source?.body;
  if (body === undefined) return limitRefusal('tokens', `more than ${REQUEST_LIMITS.maxTokens}`);
  const cap = 100 * REQUEST_LIMITS.maxTokens;
  const lexer = new Lexer(new Source(body));
  let count = 0;
  try {
    while (count <= cap && lexer.advance().kind !== TokenKind.EOF) count++;
  } catch {
    // A lexing error later in the document: what was counted stands.
  }
  return limitRefusal('tokens', count > cap ? `more than ${cap}` : count);
}

export function createRequestLimits(options: RequestLimitsOptions): RequestLimits {
  const armor = new ApolloArmor({
    maxDepth: {
      n: REQUEST_LIMITS.maxDepth,
      ignoreIntrospection: true,
      flattenFragments: true,
      ...REPORT('depth'),
    },
    costLimit: {
      maxCost: REQUEST_LIMITS.maxCost,
      ignoreIntrospection: true,
      flattenFragments: true,
      ...REPORT('cost'),
    },
    maxAliases: { n: REQUEST_LIMITS.maxAliases, ...REPORT('aliases') },
    maxDirectives: { n: REQUEST_LIMITS.maxDirectives, ...REPORT('directives') },
    // graphql-js enforces the token limit itself while parsing (a 400 parse error); armor's
    // Apollo token plugin throws outside Apollo's error handling and turns it into a 500.
    maxTokens: { enabled: false },
    blockFieldSuggestion: {
      enabled: options.blockFieldSuggestions ?? !options.config.introspection,
    },
  }).protect();
  return {
    validationRules: armor.validationRules,
    plugins: [
      ...armor.plugins,
      createUpstreamBudgetPlugin(options.config.upstream, options.answeredLocally),
    ],
    parseOptions: { maxTokens: REQUEST_LIMITS.maxTokens },
  };
}

import { GraphQLError } from 'graphql';
import { isPersonalField, withheldValue } from '../../domain/personalData';

/**
 * Local input validation: the ranges of docs/api300-contract.md §9, checked before any upstream call so a
 * bad value never spends quota. Every refusal names the field, the value and what is allowed,
 * both in the message and in `extensions` (`field`, `value`, `allowed`).
 */

/** One refused value. `field` is the path in the operation's arguments, e.g. `input.email`. */
export interface InputIssue {
  field: string;
  value: unknown;
  allowed: string;
}

/** A rule for one field; `allowed` says in words what `accepts` lets through. */
export interface Check {
  allowed: string;
  accepts(value: unknown): boolean;
}

/**
 * Characters XML 1.0 cannot carry (C0 controls but tab, LF, CR; lone surrogates; U+FFFE/F).
 * API300 (XmlSerializer) refuses a request holding one as a whole: refused here, such a value
 * never spends an upstream call, nor spoils the other records of an import chunk.
 */
const NOT_XML_CHAR = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;

export function text(maxLength: number): Check {
  return {
    allowed: `a text of at most ${maxLength} characters, without control characters`,
    accepts: (v) => typeof v === 'string' && v.length <= maxLength && !NOT_XML_CHAR.test(v),
  };
}

export function nonEmptyText(maxLength: number): Check {
  return {
    allowed: `a text of 1 to ${maxLength} characters, without control characters`,
    accepts: (v) =>
      typeof v === 'string' && v.length >= 1 && v.length <= maxLength && !NOT_XML_CHAR.test(v),
  };
}

export function intRange(min: number, max: number): Check {
  return {
    allowed: `an integer from ${min} to ${max}`,
    accepts: (v) => Number.isInteger(v) && (v as number) >= min && (v as number) <= max,
  };
}

export function intAtLeast(min: number): Check {
  return {
    allowed: `an integer of at least ${min}`,
    accepts: (v) => Number.isInteger(v) && (v as number) >= min,
  };
}

export function amountAtLeast(min: number): Check {
  return {
    allowed: `a number of at least ${min}`,
    accepts: (v) => typeof v === 'number' && Number.isFinite(v) && v >= min,
  };
}

export function oneOf(values: readonly string[]): Check {
  return {
    allowed: `one of ${values.join(', ')}`,
    accepts: (v) => typeof v === 'string' && values.includes(v),
  };
}

export function pattern(regex: RegExp, allowed: string): Check {
  return { allowed, accepts: (v) => typeof v === 'string' && regex.test(v) };
}

export type FieldChecks<T> = { readonly [K in keyof T]?: Check };

/**
 * Checks every field of `input` that has a rule. Null and absent values are not checked:
 * whether a field may be null is the schema's business (non-null types).
 */
export function checkFields<T extends object>(
  input: T,
  checks: FieldChecks<T>,
  path: string,
): InputIssue[] {
  const issues: InputIssue[] = [];
  for (const field of Object.keys(checks) as (keyof T & string)[]) {
    const value = input[field];
    const check = checks[field];
    if (value === null || value === undefined || !check) continue;
    if (!check.accepts(value))
      issues.push({ field: joinPath(path, field), value, allowed: check.allowed });
  }
  return issues;
}

export function joinPath(path: string, field: string): string {
  return path ? `${path}.${field}` : field;
}

const SHOWN_TEXT_LENGTH = 60;

/** The value as `extensions.value` carries it: personal data withheld, long texts cut, lists summarized. */
export function reportedValue(value: unknown, field = ''): unknown {
  if (isPersonalField(field) && value !== null && value !== undefined) return withheldValue(value);
  if (typeof value === 'string' && value.length > SHOWN_TEXT_LENGTH)
    return `${value.slice(0, SHOWN_TEXT_LENGTH)}…`;
  if (Array.isArray(value)) return `a list of ${value.length} items`;
  return value;
}

function shownValue(value: unknown, field: string): string {
  const reported = reportedValue(value, field);
  if (isPersonalField(field)) return String(reported);
  if (typeof reported !== 'string' || Array.isArray(value)) return String(reported);
  const length =
    typeof value === 'string' && value !== reported ? ` (${value.length} characters)` : '';
  return `${JSON.stringify(reported)}${length}`;
}

/** `<field> got <value>, allowed: <allowed>`. */
export function describeIssue(issue: InputIssue): string {
  return `${issue.field} got ${shownValue(issue.value, issue.field)}, allowed: ${issue.allowed}`;
}

/**
 * The `BAD_USER_INPUT` error for a non-empty list of issues. The first issue fills
 * `extensions.field/value/allowed`; `extensions.issues` lists all of them.
 */
export function badUserInput(issues: readonly InputIssue[]): GraphQLError {
  const [first] = issues;
  return new GraphQLError(`Invalid input: ${issues.map(describeIssue).join('; ')}`, {
    extensions: {
      code: 'BAD_USER_INPUT',
      field: first.field,
      value: reportedValue(first.value, first.field),
      allowed: first.allowed,
      ...(issues.length > 1 && {
        issues: issues.map((i) => ({
          field: i.field,
          value: reportedValue(i.value, i.field),
          allowed: i.allowed,
        })),
      }),
    },
  });
}

/** Throws `badUserInput` when there is any issue. */
export function assertValid(issues: readonly InputIssue[]): void {
  if (issues.length > 0) throw badUserInput(issues);
}

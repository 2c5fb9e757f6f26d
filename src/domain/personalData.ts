/**
 * Fields holding personal data (GDPR), by their GraphQL / domain name. A refusal of such a
 * value — by local validation or by API300 — names the field, the length and what is
 * allowed, never the value itself, so error responses (and anything that logs them) stay
 * free of personal data. The caller still knows what it sent.
 */
export const PERSONAL_FIELDS: ReadonlySet<string> = new Set([
  'salutation',
  'firstName',
  'lastName',
  'company',
  'alias',
  'birthday',
  'street',
  'zipCode',
  'city',
  'phonePrivate',
  'phoneBusiness',
  'mobile',
  'fax',
  'email',
  'homepage',
  'cardNumber',
  'memo',
  'guestName',
  'phone',
  'comment',
  'search',
]);

/** True when the last name of a field path (`input.email`, `customers[3].memo`) is personal. */
export function isPersonalField(path: string): boolean {
  return PERSONAL_FIELDS.has(
    path
      .replace(/\[\d+\]/g, '')
      .split('.')
      .pop() ?? '',
  );
}

/** How a refused personal value is reported instead of itself. */
export function withheldValue(value: unknown): string {
  return typeof value === 'string'
    ? `(withheld: personal data, ${value.length} characters)`
    : '(withheld: personal data)';
}

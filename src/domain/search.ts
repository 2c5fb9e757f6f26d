import type { Customer } from './models';

/**
 * The customer fields API300's `SearchText` looks in (docs/api300-contract.md §8: name, first name,
 * company, e-mail, phones, card number). The mirror searches the same fields.
 */
export const SEARCHED_FIELDS = [
  'lastName',
  'firstName',
  'company',
  'email',
  'phonePrivate',
  'phoneBusiness',
  'mobile',
  'cardNumber',
] as const satisfies readonly (keyof Customer)[];

/** `SearchText` as API300 applies it: the whole text contained, case-insensitive, in one field. */
export function matchesApi300Search(customer: Customer, search: string): boolean {
  const needle = search.toLowerCase();
  return SEARCHED_FIELDS.some((field) => customer[field]?.toLowerCase().includes(needle));
}

/**
 * Separates the fields in a `CustomerSearchText` and stands at both ends. `foldText` removes
 * control characters, so no folded word contains it: a word never matches across two fields.
 */
const FIELD_SEPARATOR = '\u0001';

/** Letters that Unicode does not decompose into a base letter plus a mark. */
const LETTERS: Record<string, string> = {
  ß: 'ss',
  ø: 'o',
  æ: 'ae',
  œ: 'oe',
  ł: 'l',
  đ: 'd',
  ð: 'd',
  þ: 'th',
  ı: 'i',
  ς: 'σ',
};
const SPECIAL_LETTERS = /[ßøæœłđðþıς]/g;
const MARKS = /\p{M}/gu;
const CONTROLS = /[\u0000-\u001f\u007f]/g;
const PRINTABLE_ASCII = /^[\u0020-\u007e]*$/;
const DIGRAPHS = /([aou])e/g;

/**
 * Case and accents folded away: lower case, diacritics stripped (`é` → `e`, `ü` → `u`),
 * `ß` → `ss`, control characters removed. It maps character by character, so a text that
 * contains a word (case-insensitively) still contains it after folding both: it finds at
 * least what API300's "contained, case-insensitive" finds.
 */
export function foldText(text: string): string {
  const lower = text.toLowerCase();
  if (PRINTABLE_ASCII.test(lower)) return lower;
  return lower
    .normalize('NFD')
    .replace(MARKS, '')
    .replace(SPECIAL_LETTERS, (c) => LETTERS[c])
    .replace(CONTROLS, '');
}

/**
 * The German transcriptions `ae`, `oe`, `ue` read as the vowel (`mueller` → `muller`), on
 * top of `foldText`. Kept apart from it because it is not character by character (`el`
 * is in `michael` but not in `michal`): a word matches when either spelling contains it.
 */
export function foldDigraphs(folded: string): string {
  return folded.replace(DIGRAPHS, '$1');
}

/** A customer's searched fields, folded once (the index keeps one per customer). */
export interface CustomerSearchText {
  /** `foldText` of every searched field, each between two separators. */
  readonly plain: string;
  /** `foldDigraphs(plain)`; the same string when there is no digraph. */
  readonly digraphs: string;
}

export function customerSearchText(customer: Customer): CustomerSearchText {
  let plain = FIELD_SEPARATOR;
  for (const field of SEARCHED_FIELDS) {
    const value = customer[field];
    plain += (value ? foldText(value) : '') + FIELD_SEPARATOR;
  }
  return { plain, digraphs: foldDigraphs(plain) };
}

/** How well one word matches a field; the scores of the words add up. */
export const MATCH_SCORE = { contained: 1, wordPrefix: 2, wholeField: 3 } as const;

const WORD_CHARACTER = /[\p{L}\p{N}]/u;

/** After folding, letters are lower case: ASCII is decided by its code, the rest by Unicode. */
function isWordCharacter(code: number): boolean {
  if (code < 128) return (code >= 97 && code <= 122) || (code >= 48 && code <= 57);
  return WORD_CHARACTER.test(String.fromCharCode(code));
}

/** `word` in `text`, scored; `wholeField` is the word between two field separators. */
function scoreIn(text: string, word: string, wholeField: string): number {
  let at = text.indexOf(word);
  if (at < 0) return 0;
  if (text.includes(wholeField)) return MATCH_SCORE.wholeField;
  while (at >= 0) {
    if (at === 0 || !isWordCharacter(text.charCodeAt(at - 1))) return MATCH_SCORE.wordPrefix;
    at = text.indexOf(word, at + 1);
  }
  return MATCH_SCORE.contained;
}

interface SearchWord {
  plain: string;
  digraphs: string;
  /** Each spelling between two field separators (a whole-field match). */
  plainField: string;
  digraphsField: string;
}

/**
 * A search as the mirror applies it: the text split at white space into words, every one of
 * which must be contained in one of `SEARCHED_FIELDS` (any field per word), compared folded
 * (`foldText`, and the `foldDigraphs` spelling as an alternative): `anna müll` finds Anna
 * Müller; `Mueller`, `Muller` and `müller` find `Müller` and `Mueller`; `strasse` finds
 * `Straße`; `rene` finds `René`.
 */
export class CustomerSearch {
  /** The folded words, deduplicated, in the order given (for cursors' fingerprints). */
  readonly words: readonly string[];
  private readonly variants: readonly SearchWord[];

  private constructor(words: string[]) {
    this.words = words;
    this.variants = words.map((plain) => {
      const digraphs = foldDigraphs(plain);
      return {
        plain,
        digraphs,
        plainField: FIELD_SEPARATOR + plain + FIELD_SEPARATOR,
        digraphsField: FIELD_SEPARATOR + digraphs + FIELD_SEPARATOR,
      };
    });
  }

  /** `null` when the text has no word (blank): no search filter. */
  static parse(text: string | undefined | null): CustomerSearch | null {
    if (!text) return null;
    const words = [
      ...new Set(
        text
          .split(/\s+/)
          .map(foldText)
          .filter((w) => w.length > 0),
      ),
    ];
    return words.length > 0 ? new CustomerSearch(words) : null;
  }

  matches(text: CustomerSearchText): boolean {
    for (const word of this.variants) {
      if (text.plain.includes(word.plain)) continue;
      if (text.digraphs.includes(word.digraphs)) continue;
      return false;
    }
    return true;
  }

  /**
   * Relevance: per word the best of whole field (3) > start of a word in a field (2) >
   * contained (1), over both spellings, summed. 0 when some word does not match.
   */
  score(text: CustomerSearchText): number {
    let total = 0;
    for (const word of this.variants) {
      const plain = scoreIn(text.plain, word.plain, word.plainField);
      // The second spelling can only differ where a digraph was folded.
      const same = word.digraphs === word.plain && text.digraphs === text.plain;
      const best =
        plain === MATCH_SCORE.wholeField || same
          ? plain
          : Math.max(plain, scoreIn(text.digraphs, word.digraphs, word.digraphsField));
      if (best === 0) return 0;
      total += best;
    }
    return total;
  }
}

import {
  CustomerSearch,
  customerSearchText,
  foldText,
  MATCH_SCORE,
} from '../../../src/domain/search';
import { makeCustomer } from '../../helpers/mirrorRecords';

const text = (overrides: Parameters<typeof makeCustomer>[1]) =>
  customerSearchText(
    makeCustomer(1, { firstName: null, lastName: null, email: null, ...overrides }),
  );

const finds = (search: string, overrides: Parameters<typeof makeCustomer>[1]) =>
  CustomerSearch.parse(search)!.matches(text(overrides));

describe('foldText', () => {
  it('lowers case, strips diacritics and spells ß as ss', () => {
    expect(foldText('Müller-Lüdenscheidt')).toBe('muller-ludenscheidt');
    expect(foldText('René Çelik')).toBe('rene celik');
    expect(foldText('STRAßE Øre Łódź')).toBe('strasse ore lodz');
  });

  it('leaves printable ASCII as lower case and drops control characters', () => {
    expect(foldText('Anna.Maier@Example.ORG')).toBe('anna.maier@example.org');
    expect(foldText('a\u0001b\u0000c')).toBe('abc');
  });
});

describe('CustomerSearch', () => {
  it('is no filter for a blank text', () => {
    expect(CustomerSearch.parse(undefined)).toBeNull();
    expect(CustomerSearch.parse('   ')).toBeNull();
  });

  it.each(['Müller', 'müller', 'MUELLER', 'Mueller', 'Muller', 'müll', 'uell'])(
    '%s finds Müller',
    (search) => {
      expect(finds(search, { lastName: 'Müller' })).toBe(true);
    },
  );

  it.each(['Müller', 'Muller', 'Mueller'])('%s finds Mueller too', (search) => {
    expect(finds(search, { lastName: 'Mueller' })).toBe(true);
  });

  it('reads ß and ss alike, both ways', () => {
    expect(finds('strasse', { company: 'Café Hauptstraße' })).toBe(true);
    expect(finds('Straße', { company: 'Hauptstrasse Imbiss' })).toBe(true);
  });

  it('strips other diacritics (é → e)', () => {
    expect(finds('rene', { firstName: 'René' })).toBe(true);
    expect(finds('rené', { firstName: 'Rene' })).toBe(true);
  });

  it('finds whatever API300 finds: contained, case-insensitive, even inside a digraph', () => {
    expect(finds('el', { firstName: 'Michael' })).toBe(true);
    expect(finds('170 123', { mobile: '+49 170 1234567' })).toBe(true);
    expect(finds('@EXAMPLE.org', { email: 'anna@example.org' })).toBe(true);
  });

  it('needs every word, each in any searched field', () => {
    const anna = { firstName: 'Anna', lastName: 'Müller', company: 'Bäckerei Süd' };
    expect(finds('anna müll', anna)).toBe(true);
    expect(finds('müll backerei', anna)).toBe(true);
    expect(finds('anna schmidt', anna)).toBe(false);
  });

  it('searches only the searched fields, and no word spans two of them', () => {
    expect(finds('Berlin', { city: 'Berlin', lastName: 'Maier' })).toBe(false);
    expect(finds('annamüller', { firstName: 'Anna', lastName: 'Müller' })).toBe(false);
  });

  it('scores a whole field over a word start over contained, summed over the words', () => {
    const search = (s: string) => CustomerSearch.parse(s)!;
    const maier = text({ lastName: 'Maier', firstName: 'Hans-Peter' });
    expect(search('maier').score(maier)).toBe(MATCH_SCORE.wholeField);
    expect(search('peter').score(maier)).toBe(MATCH_SCORE.wordPrefix);
    expect(search('aier').score(maier)).toBe(MATCH_SCORE.contained);
    expect(search('maier pet').score(maier)).toBe(MATCH_SCORE.wholeField + MATCH_SCORE.wordPrefix);
    expect(search('maier schmidt').score(maier)).toBe(0);
    expect(search('mueller').score(text({ lastName: 'Müller' }))).toBe(MATCH_SCORE.wholeField);
  });
});

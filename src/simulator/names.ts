/** Word lists for seeded German test data. Cities carry a real ZIP code and phone area code. */

export const FEMALE_FIRST_NAMES = [
  'Anna', 'Maria', 'Sophie', 'Lena', 'Laura', 'Julia', 'Katharina', 'Sabine', 'Petra', 'Claudia',
  'Andrea', 'Susanne', 'Monika', 'Ursula', 'Renate', 'Birgit', 'Stefanie', 'Nicole', 'Sandra', 'Melanie',
  'Christina', 'Franziska', 'Johanna', 'Charlotte', 'Emilia', 'Hannah', 'Lea', 'Mia', 'Marie', 'Greta',
  'Ingrid', 'Gisela', 'Helga', 'Karin', 'Heike', 'Jana', 'Svenja', 'Miriam', 'Carolin', 'Jülide',
];

export const MALE_FIRST_NAMES = [
  'Thomas', 'Michael', 'Andreas', 'Stefan', 'Christian', 'Markus', 'Frank', 'Jürgen', 'Peter', 'Klaus',
  'Wolfgang', 'Uwe', 'Matthias', 'Alexander', 'Sebastian', 'Tobias', 'Florian', 'Daniel', 'Jan', 'Lukas',
  'Felix', 'Maximilian', 'Paul', 'Jonas', 'Leon', 'Finn', 'Noah', 'Elias', 'Ben', 'Moritz',
  'Dieter', 'Horst', 'Günter', 'Rainer', 'Holger', 'Jörg', 'Sven', 'Dirk', 'Timo', 'Björn',
];

export const LAST_NAMES = [
  'Müller', 'Schmidt', 'Schneider', 'Fischer', 'Weber', 'Meyer', 'Wagner', 'Becker', 'Schulz', 'Hoffmann',
  'Schäfer', 'Koch', 'Bauer', 'Richter', 'Klein', 'Wolf', 'Schröder', 'Neumann', 'Schwarz', 'Zimmermann',
  'Braun', 'Krüger', 'Hofmann', 'Hartmann', 'Lange', 'Schmitt', 'Werner', 'Schmitz', 'Krause', 'Meier',
  'Lehmann', 'Schmid', 'Schulze', 'Maier', 'Köhler', 'Herrmann', 'König', 'Walter', 'Mayer', 'Huber',
  'Kaiser', 'Fuchs', 'Peters', 'Lang', 'Scholz', 'Möller', 'Weiß', 'Jung', 'Hahn', 'Schubert',
  'Vogel', 'Friedrich', 'Keller', 'Günther', 'Frank', 'Berger', 'Winkler', 'Roth', 'Beck', 'Lorenz',
  'Baumann', 'Franke', 'Albrecht', 'Schuster', 'Simon', 'Ludwig', 'Böhm', 'Winter', 'Kraus', 'Martin',
  'Yılmaz', 'Kaya', 'Nowak', 'Kowalski', 'Özdemir', 'Popescu',
];

export const STREETS = [
  'Hauptstraße', 'Schulstraße', 'Gartenstraße', 'Bahnhofstraße', 'Dorfstraße', 'Bergstraße', 'Birkenweg',
  'Lindenstraße', 'Kirchstraße', 'Waldstraße', 'Ringstraße', 'Schillerstraße', 'Goethestraße',
  'Jahnstraße', 'Wiesenweg', 'Am Markt', 'Mozartstraße', 'Friedrichstraße', 'Rosenstraße', 'Mühlenweg',
  'Eichendorffstraße', 'Kastanienallee', 'Parkstraße', 'Uhlandstraße', 'Beethovenstraße',
  'Ahornweg', 'Feldstraße', 'Blumenstraße', 'Wilhelmstraße', 'Königsallee', 'Brunnenstraße',
];

export interface City {
  name: string;
  zip: string;
  areaCode: string;
  country: string;
}

export const CITIES: City[] = [
  { name: 'Berlin', zip: '10115', areaCode: '30', country: 'DE' },
  { name: 'Berlin', zip: '10405', areaCode: '30', country: 'DE' },
  { name: 'Hamburg', zip: '20095', areaCode: '40', country: 'DE' },
  { name: 'Hamburg', zip: '22765', areaCode: '40', country: 'DE' },
  { name: 'München', zip: '80331', areaCode: '89', country: 'DE' },
  { name: 'München', zip: '81667', areaCode: '89', country: 'DE' },
  { name: 'Köln', zip: '50667', areaCode: '221', country: 'DE' },
  { name: 'Frankfurt am Main', zip: '60311', areaCode: '69', country: 'DE' },
  { name: 'Stuttgart', zip: '70173', areaCode: '711', country: 'DE' },
  { name: 'Düsseldorf', zip: '40213', areaCode: '211', country: 'DE' },
  { name: 'Leipzig', zip: '04109', areaCode: '341', country: 'DE' },
  { name: 'Dortmund', zip: '44135', areaCode: '231', country: 'DE' },
  { name: 'Essen', zip: '45127', areaCode: '201', country: 'DE' },
  { name: 'Bremen', zip: '28195', areaCode: '421', country: 'DE' },
  { name: 'Dresden', zip: '01067', areaCode: '351', country: 'DE' },
  { name: 'Hannover', zip: '30159', areaCode: '511', country: 'DE' },
  { name: 'Nürnberg', zip: '90402', areaCode: '911', country: 'DE' },
  { name: 'Regensburg', zip: '93047', areaCode: '941', country: 'DE' },
  { name: 'Freiburg im Breisgau', zip: '79098', areaCode: '761', country: 'DE' },
  { name: 'Münster', zip: '48143', areaCode: '251', country: 'DE' },
  { name: 'Heidelberg', zip: '69117', areaCode: '6221', country: 'DE' },
  { name: 'Rosenheim', zip: '83022', areaCode: '8031', country: 'DE' },
  { name: 'Garmisch-Partenkirchen', zip: '82467', areaCode: '8821', country: 'DE' },
  { name: 'Lübeck', zip: '23552', areaCode: '451', country: 'DE' },
  { name: 'Wien', zip: '1010', areaCode: '1', country: 'AT' },
  { name: 'Salzburg', zip: '5020', areaCode: '662', country: 'AT' },
  { name: 'Zürich', zip: '8001', areaCode: '44', country: 'CH' },
];

export const COUNTRY_CALLING_CODES: Record<string, string> = { DE: '+49', AT: '+43', CH: '+41' };

export const MOBILE_PREFIXES = ['151', '152', '157', '160', '162', '170', '171', '172', '173', '175', '176', '177', '179'];

export const MAIL_DOMAINS = ['web.de', 'gmx.de', 't-online.de', 'gmail.com', 'outlook.de', 'posteo.de', 'freenet.de'];

export const COMPANY_FORMS = ['GmbH', 'GmbH & Co. KG', 'KG', 'AG', 'e.K.', 'UG (haftungsbeschränkt)'];

export const COMPANY_TRADES = ['Bau', 'Consulting', 'Immobilien', 'Steuerberatung', 'Autohaus', 'Druckerei', 'Software', 'Logistik'];

export const MEMOS = [
  'Stammgast, bevorzugt Fensterplatz',
  'Allergie: Nüsse',
  'Vegetarier',
  'Glutenunverträglichkeit',
  'Rechnung bitte an die Firmenadresse',
  'Feiert Geburtstag gern bei uns',
  'Rollstuhlgerechter Tisch erforderlich',
  'Kommt meist mit Hund',
];

export const RESERVATION_COMMENTS = [
  'Kinderstuhl benötigt',
  'Geburtstagsfeier, Torte wird mitgebracht',
  'Ruhiger Tisch bitte',
  'Hund dabei',
  'Terrasse, falls das Wetter passt',
  'Firmenessen, getrennte Rechnungen',
  'Allergie: Laktose',
];

export const ARTICLES = [
  { number: 1001, name: 'Wertgutschein 25 €', price: 25, validYears: 3 },
  { number: 1002, name: 'Wertgutschein 50 €', price: 50, validYears: 3 },
  { number: 1003, name: 'Wertgutschein 100 €', price: 100, validYears: 3 },
  { number: 2001, name: 'Sonntagsbrunch', price: 39.5, validYears: 1 },
  { number: 2002, name: 'Weinprobe für zwei', price: 79, validYears: 1 },
  { number: 2003, name: 'Kochkurs Pasta & Antipasti', price: 89, validYears: 1 },
  { number: 2004, name: 'Silvester-Menü', price: 149, validYears: 1 },
  { number: 3001, name: 'Jazz-Abend Eintritt', price: 24.9, validYears: 1 },
];

export const STATION_NAMES = ['Restaurant Stammhaus', 'Bar & Lounge', 'Biergarten am See'];

/** ASCII form of a name for e-mail addresses and domains (ä → ae, ß → ss, …). */
export function transliterate(text: string): string {
  return text
    .replace(/ä/g, 'ae')
    .replace(/ö/g, 'oe')
    .replace(/ü/g, 'ue')
    .replace(/Ä/g, 'Ae')
    .replace(/Ö/g, 'Oe')
    .replace(/Ü/g, 'Ue')
    .replace(/ß/g, 'ss')
    .replace(/ı/g, 'i')
    .normalize('NFD')
    .replace(/[^A-Za-z0-9]/g, '');
}

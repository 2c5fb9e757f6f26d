import { XMLParser, XMLValidator } from 'fast-xml-parser';

/** Escapes element content the way .NET's XmlWriter does: `&`, `<` and `>` only. */
export function escapeXml(text: string): string {
  return text.replace(/[&<>]/g, (c) => XML_ESCAPES[c] ?? c);
}

/** Escapes a double-quoted attribute value. */
export function escapeXmlAttribute(text: string): string {
  return text.replace(/[&<>"]/g, (c) => XML_ESCAPES[c] ?? c);
}

const XML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
};

export const XSI_NAMESPACE = 'http://www.w3.org/2001/XMLSchema-instance';

/** An element with its namespace resolved; `text` joins its text and CDATA children. */
export interface XmlElement {
  namespace: string;
  localName: string;
  /** Attributes by `{namespace}localName` (or bare local name when unqualified). */
  attributes: Map<string, string>;
  children: XmlElement[];
  text: string;
}

export class XmlSyntaxError extends Error {
  override readonly name = 'XmlSyntaxError';
}

/**
 * The request parser is safe by construction: a document with a DTD is refused before
 * parsing (no external entities, no entity expansion), and fast-xml-parser runs with entity
 * processing off; only the five predefined entities and character references are decoded here.
 */
const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  processEntities: false,
  htmlEntities: false,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  cdataPropName: '#cdata',
  ignoreDeclaration: true,
  ignorePiTags: true,
});

export function parseXmlDocument(xml: string): XmlElement {
  if (/<!DOCTYPE/i.test(xml)) throw new XmlSyntaxError('DTD is prohibited in this XML document.');
  const validation = XMLValidator.validate(xml);
  if (validation !== true) {
    const { msg, line, col } = validation.err;
    throw new XmlSyntaxError(`There is an error in XML document (${line}, ${col}): ${msg}`);
  }
  const nodes = parser.parse(xml) as OrderedNode[];
  const roots = toElements(nodes, new Map([['xml', 'http://www.w3.org/XML/1998/namespace']]));
  if (roots.length !== 1) throw new XmlSyntaxError('Data at the root level is invalid.');
  return roots[0];
}

type OrderedNode = Record<string, unknown> & { ':@'?: Record<string, string> };

function toElements(nodes: OrderedNode[], scope: Map<string, string>): XmlElement[] {
  const elements: XmlElement[] = [];
  for (const node of nodes) {
    const name = Object.keys(node).find((key) => key !== ':@');
    if (name === undefined || name === '#text' || name === '#cdata') continue;
    const rawAttributes = node[':@'] ?? {};
    const inner = new Map(scope);
    for (const [attr, value] of Object.entries(rawAttributes)) {
      if (attr === 'xmlns') inner.set('', value);
      else if (attr.startsWith('xmlns:')) inner.set(attr.slice(6), decodeEntities(value));
    }
    const attributes = new Map<string, string>();
    for (const [attr, value] of Object.entries(rawAttributes)) {
      if (attr === 'xmlns' || attr.startsWith('xmlns:')) continue;
      const colon = attr.indexOf(':');
      const key =
        colon < 0 ? attr : `{${inner.get(attr.slice(0, colon)) ?? ''}}${attr.slice(colon + 1)}`;
      attributes.set(key, decodeEntities(value));
    }
    const colon = name.indexOf(':');
    const prefix = colon < 0 ? '' : name.slice(0, colon);
    const namespace = inner.get(prefix);
    if (namespace === undefined) throw new XmlSyntaxError(`'${prefix}' is an undeclared prefix.`);
    const childNodes = (node[name] as OrderedNode[]) ?? [];
    elements.push({
      namespace,
      localName: colon < 0 ? name : name.slice(colon + 1),
      attributes,
      children: toElements(childNodes, inner),
      text: textOf(childNodes),
    });
  }
  return elements;
}

function textOf(nodes: OrderedNode[]): string {
  let text = '';
  for (const node of nodes) {
    if (typeof node['#text'] === 'string') text += decodeEntities(node['#text']);
    else if (Array.isArray(node['#cdata'])) {
      for (const part of node['#cdata'] as OrderedNode[]) text += String(part['#text'] ?? '');
    }
  }
  return text;
}

const PREDEFINED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-zA-Z]+);/g, (whole, ref: string) => {
    if (ref.startsWith('#x')) return String.fromCodePoint(parseInt(ref.slice(2), 16));
    if (ref.startsWith('#')) return String.fromCodePoint(parseInt(ref.slice(1), 10));
    const predefined = PREDEFINED[ref];
    if (predefined === undefined)
      throw new XmlSyntaxError(`Reference to undeclared entity '${ref}'.`);
    return predefined;
  });
}

export function childElements(
  element: XmlElement,
  namespace: string,
  localName: string,
): XmlElement[] {
  return element.children.filter((c) => c.namespace === namespace && c.localName === localName);
}

export function isNil(element: XmlElement): boolean {
  const nil = element.attributes.get(`{${XSI_NAMESPACE}}nil`);
  return nil === 'true' || nil === '1';
}

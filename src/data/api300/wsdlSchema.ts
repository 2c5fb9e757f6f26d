import { readFileSync } from 'node:fs';
import { XMLParser } from 'fast-xml-parser';
import type { Api300Operation } from './types';

/**
 * The XSD of the local WSDL as a type table, for transports that do not go through node-soap
 * (JSON mode): each operation's parameters in order and its result type, and every complex
 * type with its members. The WSDL stays the one description of the wire: JSON mode sends the
 * same parameters and reads the same structures, so a changed WSDL changes both transports.
 *
 * The WSDL is our own committed file, read once at start: it is parsed without entity
 * expansion, and nothing here ever reads a reply.
 */

export type ScalarType = 'string' | 'int' | 'boolean' | 'decimal' | 'dateTime';

export type SchemaType =
  | { kind: 'scalar'; name: ScalarType }
  /** A complex type with a sequence of members. */
  | { kind: 'struct'; name: string; fields: SchemaField[] }
  /** `ArrayOfX`: one member `item`, `maxOccurs="unbounded"`. */
  | { kind: 'array'; name: string; item: string; itemType: SchemaType };

export interface SchemaField {
  name: string;
  type: SchemaType;
}

export interface OperationSchema {
  parameters: SchemaField[];
  /** The type of `XResult`. */
  result: SchemaType;
}

export type WsdlSchema = Record<Api300Operation, OperationSchema>;

const SCALARS: Record<string, ScalarType> = {
  string: 'string',
  int: 'int',
  boolean: 'boolean',
  decimal: 'decimal',
  dateTime: 'dateTime',
};

interface XsdElement {
  '@_name': string;
  '@_type'?: string;
  '@_maxOccurs'?: string;
  complexType?: XsdComplexType[];
}
interface XsdComplexType {
  '@_name'?: string;
  sequence?: Array<{ element?: XsdElement[] }>;
}

const localName = (qualified: string): string => qualified.slice(qualified.indexOf(':') + 1);

/** Reads the type table of the WSDL at `wsdlPath`; throws naming what is missing. */
export function readWsdlSchema(
  wsdlPath: string,
  operations: readonly Api300Operation[],
): WsdlSchema {
  const parser = new XMLParser({
    ignoreAttributes: false,
    removeNSPrefix: true,
    processEntities: false,
    isArray: (name) => ['element', 'complexType', 'sequence', 'schema'].includes(name),
  });

  const definitions = parser.parse(readFileSync(wsdlPath, 'utf8')).definitions;
  const schema = definitions?.types?.schema?.[0] as
    { element?: XsdElement[]; complexType?: XsdComplexType[] } | undefined;
  if (!schema) throw new Error(`API300 WSDL ${wsdlPath} has no XML schema`);

  const members = (type: XsdComplexType | undefined): XsdElement[] =>
    type?.sequence?.[0]?.element ?? [];
  const complexTypes = new Map<string, XsdComplexType>();
  for (const type of schema.complexType ?? [])
    if (type['@_name']) complexTypes.set(type['@_name'], type);
  const elements = new Map<string, XsdElement>();
  for (const element of schema.element ?? []) elements.set(element['@_name'], element);

  const resolved = new Map<string, SchemaType>();
  const typeNamed = (qualified: string): SchemaType => {
    const name = localName(qualified);
    const scalar = SCALARS[name];
    if (scalar && qualified.startsWith('s:')) return { kind: 'scalar', name: scalar };
    const known = resolved.get(name);
    if (known) return known;
    const complex = complexTypes.get(name);
    if (!complex) throw new Error(`API300 WSDL ${wsdlPath} does not define type ${qualified}`);
    const sequence = members(complex);
    if (sequence.length === 1 && sequence[0]['@_maxOccurs'] === 'unbounded') {
      const array = {
        kind: 'array',
        name,
        item: sequence[0]['@_name'],
        itemType: undefined as unknown as SchemaType,
      } as Extract<SchemaType, { kind: 'array' }>;
      resolved.set(name, array);
      array.itemType = typeNamed(sequence[0]['@_type'] ?? '');
      return array;
    }
    const struct: Extract<SchemaType, { kind: 'struct' }> = { kind: 'struct', name, fields: [] };
    resolved.set(name, struct);
    for (const member of sequence)
      struct.fields.push({ name: member['@_name'], type: typeNamed(member['@_type'] ?? '') });
    return struct;
  };
  const fieldsOf = (element: XsdElement | undefined): SchemaField[] =>
    members(element?.complexType?.[0]).map((member) => ({
      name: member['@_name'],
      type: typeNamed(member['@_type'] ?? ''),
    }));

  const table = {} as WsdlSchema;
  for (const operation of operations) {
    const request = elements.get(operation);
    const response = fieldsOf(elements.get(`${operation}Response`));
    const result = response.find((field) => field.name === `${operation}Result`);
    if (!request || !result)
      throw new Error(`API300 WSDL ${wsdlPath} does not describe operation ${operation}`);
    table[operation] = { parameters: fieldsOf(request), result: result.type };
  }
  return table;
}

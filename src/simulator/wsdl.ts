import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { findProjectFile } from '../platform/projectFile';
import {
  ARRAYS,
  FieldSpec,
  NAMESPACE,
  OPERATION_NAMES,
  OPERATIONS,
  STRUCTS,
  SERVICE_PATH,
  TypeName,
  isArray,
  isScalar,
  parametersOf,
} from './contract';
import { escapeXml, escapeXmlAttribute } from './xml';

/**
 * Renders the WSDL of `contract.ts` the way an ASMX service generates it: `s:`-prefixed XSD,
 * elements and complex types in order of first use, `minOccurs`/`nillable` by .NET type
 * (reference types `0`, value types `1`, `Nullable<T>` nillable), both SOAP bindings and
 * one service with both ports. `schema/upstream/API300.wsdl` is this output, committed.
 */
export function renderWsdl(location = `http://localhost${SERVICE_PATH}`): string {
  const out: string[] = [];
  const emitted = new Set<string>();
  const line = (depth: number, text: string): void => {
    out.push(`${'  '.repeat(depth)}${text}`);
  };

  const elementFor = (field: FieldSpec): string => {
    const type = isScalar(field.type) ? `s:${field.type}` : `tns:${field.type}`;
    const min = field.type === 'string' || !isScalar(field.type) ? 0 : 1;
    const nillable = field.nillable ? ' nillable="true"' : '';
    return `<s:element minOccurs="${min}" maxOccurs="1" name="${field.name}"${nillable} type="${type}" />`;
  };

  const emitTypesOf = (fields: FieldSpec[]): void => {
    for (const field of fields) emitType(field.type);
  };

  const emitType = (type: TypeName): void => {
    if (isScalar(type) || emitted.has(type)) return;
    emitted.add(type);
    line(3, `<s:complexType name="${type}">`);
    line(4, '<s:sequence>');
    if (isArray(type)) {
      const { item, type: itemType } = ARRAYS[type];
      const xsdType = isScalar(itemType) ? `s:${itemType}` : `tns:${itemType}`;
      const nillable = itemType === 'int' ? '' : ' nillable="true"';
      line(
        5,
        `<s:element minOccurs="0" maxOccurs="unbounded" name="${item}"${nillable} type="${xsdType}" />`,
      );
      line(4, '</s:sequence>');
      line(3, '</s:complexType>');
      emitType(itemType);
      return;
    }
    const fields = STRUCTS[type];
    for (const field of fields) line(5, elementFor(field));
    line(4, '</s:sequence>');
    line(3, '</s:complexType>');
    emitTypesOf(fields);
  };

  const wrapperElement = (name: string, fields: FieldSpec[]): void => {
    line(3, `<s:element name="${name}">`);
    line(4, '<s:complexType>');
    line(5, '<s:sequence>');
    for (const field of fields) line(6, elementFor(field));
    line(5, '</s:sequence>');
    line(4, '</s:complexType>');
    line(3, '</s:element>');
    emitTypesOf(fields);
  };

  line(0, '<?xml version="1.0" encoding="utf-8"?>');
  line(
    0,
    '<wsdl:definitions xmlns:soap="http://schemas.xmlsoap.org/wsdl/soap/" xmlns:tm="http://microsoft.com/wsdl/mime/textMatching/" xmlns:soapenc="http://schemas.xmlsoap.org/soap/encoding/" xmlns:mime="http://schemas.xmlsoap.org/wsdl/mime/" ' +
      `xmlns:tns="${NAMESPACE}" xmlns:s="http://www.w3.org/2001/XMLSchema" xmlns:soap12="http://schemas.xmlsoap.org/wsdl/soap12/" xmlns:http="http://schemas.xmlsoap.org/wsdl/http/" targetNamespace="${NAMESPACE}" xmlns:wsdl="http://schemas.xmlsoap.org/wsdl/">`,
  );
  line(1, '<wsdl:types>');
  line(2, `<s:schema elementFormDefault="qualified" targetNamespace="${NAMESPACE}">`);
  for (const op of OPERATION_NAMES) {
    wrapperElement(op, parametersOf(op));
    wrapperElement(`${op}Response`, [{ name: `${op}Result`, type: OPERATIONS[op].result }]);
  }
  line(2, '</s:schema>');
  line(1, '</wsdl:types>');

  for (const op of OPERATION_NAMES) {
    line(1, `<wsdl:message name="${op}SoapIn">`);
    line(2, `<wsdl:part name="parameters" element="tns:${op}" />`);
    line(1, '</wsdl:message>');
    line(1, `<wsdl:message name="${op}SoapOut">`);
    line(2, `<wsdl:part name="parameters" element="tns:${op}Response" />`);
    line(1, '</wsdl:message>');
  }

  line(1, '<wsdl:portType name="API300Soap">');
  for (const op of OPERATION_NAMES) {
    line(2, `<wsdl:operation name="${op}">`);
    line(
      3,
      `<wsdl:documentation xmlns:wsdl="http://schemas.xmlsoap.org/wsdl/">${escapeXml(OPERATIONS[op].description)}</wsdl:documentation>`,
    );
    line(3, `<wsdl:input message="tns:${op}SoapIn" />`);
    line(3, `<wsdl:output message="tns:${op}SoapOut" />`);
    line(2, '</wsdl:operation>');
  }
  line(1, '</wsdl:portType>');

  for (const [binding, prefix] of [
    ['API300Soap', 'soap'],
    ['API300Soap12', 'soap12'],
  ] as const) {
    line(1, `<wsdl:binding name="${binding}" type="tns:API300Soap">`);
    line(2, `<${prefix}:binding transport="http://schemas.xmlsoap.org/soap/http" />`);
    for (const op of OPERATION_NAMES) {
      line(2, `<wsdl:operation name="${op}">`);
      line(3, `<${prefix}:operation soapAction="${NAMESPACE}${op}" style="document" />`);
      line(3, '<wsdl:input>');
      line(4, `<${prefix}:body use="literal" />`);
      line(3, '</wsdl:input>');
      line(3, '<wsdl:output>');
      line(4, `<${prefix}:body use="literal" />`);
      line(3, '</wsdl:output>');
      line(2, '</wsdl:operation>');
    }
    line(1, '</wsdl:binding>');
  }

  line(1, '<wsdl:service name="API300">');
  line(2, '<wsdl:port name="API300Soap" binding="tns:API300Soap">');
  line(3, `<soap:address location="${escapeXmlAttribute(location)}" />`);
  line(2, '</wsdl:port>');
  line(2, '<wsdl:port name="API300Soap12" binding="tns:API300Soap12">');
  line(3, `<soap12:address location="${escapeXmlAttribute(location)}" />`);
  line(2, '</wsdl:port>');
  line(1, '</wsdl:service>');
  line(0, '</wsdl:definitions>');
  return out.join('\n') + '\n';
}

/** Path of the committed WSDL, found from both `src/simulator` and `dist/src/simulator`. */
export function wsdlFilePath(): string {
  return findProjectFile(join('schema', 'upstream', 'API300.wsdl'));
}

/**
 * The committed WSDL with both `soap:address` and `soap12:address` pointing at `location`, as
 * ASMX rewrites them to the URL the WSDL was fetched from.
 */
export function wsdlForLocation(wsdl: string, location: string): string {
  return wsdl.replace(
    /(<soap(?:12)?:address location=")[^"]*(")/g,
    (_m, head: string, tail: string) => `${head}${escapeXmlAttribute(location)}${tail}`,
  );
}

export function readCommittedWsdl(): string {
  return readFileSync(wsdlFilePath(), 'utf8');
}

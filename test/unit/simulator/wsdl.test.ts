import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { OPERATION_NAMES, STRUCTS } from '../../../src/simulator/contract';
import { renderWsdl, wsdlForLocation } from '../../../src/simulator/wsdl';

const COMMITTED = readFileSync(join(__dirname, '../../../schema/upstream/API300.wsdl'), 'utf8');

describe('schema/upstream/API300.wsdl', () => {
  it('is exactly what the contract model renders (regenerate with renderWsdl() when the model changes)', () => {
    expect(COMMITTED).toBe(renderWsdl());
  });

  it('declares every operation with its messages and both SOAP actions', () => {
    for (const op of OPERATION_NAMES) {
      expect(COMMITTED).toContain(`<s:element name="${op}">`);
      expect(COMMITTED).toContain(`<s:element name="${op}Response">`);
      expect(COMMITTED).toContain(`name="${op}Result" type="tns:`);
      expect(COMMITTED).toContain(`<wsdl:message name="${op}SoapIn">`);
      expect(COMMITTED).toContain(`<wsdl:message name="${op}SoapOut">`);
      expect(COMMITTED).toContain(
        `<soap:operation soapAction="http://tempuri.org/${op}" style="document" />`,
      );
      expect(COMMITTED).toContain(
        `<soap12:operation soapAction="http://tempuri.org/${op}" style="document" />`,
      );
    }
  });

  it('puts the Customer fields in contract order, with ASMX occurrences', () => {
    const customer = /<s:complexType name="Customer">([\s\S]*?)<\/s:complexType>/.exec(
      COMMITTED,
    )![1];
    const names = [...customer.matchAll(/name="(\w+)"/g)].map((m) => m[1]);
    expect(names).toEqual(STRUCTS.Customer.map((f) => f.name));
    expect(customer).toContain(
      '<s:element minOccurs="0" maxOccurs="1" name="FirstName" type="s:string" />',
    );
    expect(customer).toContain(
      '<s:element minOccurs="1" maxOccurs="1" name="Discount" type="s:int" />',
    );
    expect(customer).toContain(
      '<s:element minOccurs="1" maxOccurs="1" name="Birthday" nillable="true" type="s:dateTime" />',
    );
    expect(customer).toContain(
      '<s:element minOccurs="1" maxOccurs="1" name="Created" type="s:dateTime" />',
    );
  });

  it('names arrays ArrayOfX with unbounded items', () => {
    expect(COMMITTED).toContain(
      '<s:complexType name="ArrayOfInt">\n        <s:sequence>\n          <s:element minOccurs="0" maxOccurs="unbounded" name="int" type="s:int" />',
    );
    expect(COMMITTED).toContain('name="Customer" nillable="true" type="tns:Customer" />');
    expect(COMMITTED).toContain('name="string" nillable="true" type="s:string" />');
  });

  it('is well-formed and has one service with a SOAP 1.1 and a SOAP 1.2 port', () => {
    const parsed = new XMLParser({ ignoreAttributes: false, processEntities: false }).parse(
      COMMITTED,
    );
    const ports = parsed['wsdl:definitions']['wsdl:service']['wsdl:port'];
    expect(parsed['wsdl:definitions']['wsdl:service']['@_name']).toBe('API300');
    expect(ports.map((p: Record<string, string>) => [p['@_name'], p['@_binding']])).toEqual([
      ['API300Soap', 'tns:API300Soap'],
      ['API300Soap12', 'tns:API300Soap12'],
    ]);
  });

  it('rewrites both addresses, escaping the location', () => {
    const rewritten = wsdlForLocation(COMMITTED, 'http://h:1/Service/API300.asmx?a=1&b="2"');
    expect(rewritten).toContain(
      '<soap:address location="http://h:1/Service/API300.asmx?a=1&amp;b=&quot;2&quot;" />',
    );
    expect(rewritten).toContain(
      '<soap12:address location="http://h:1/Service/API300.asmx?a=1&amp;b=&quot;2&quot;" />',
    );
  });
});

import { soap as strongSoap } from 'strong-soap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RunningSimulator } from '../../../src/simulator';
import {
  TestClock,
  callSoap,
  createTestClock,
  operationXml,
  postSoap,
  simulatorStats,
  soapEnvelope,
  startTestSimulator,
  xmlText,
} from '../../helpers/simulator';

/**
 * ASMX-likeness, proven with strong-soap (a SOAP toolkit independent of node-soap) and raw
 * HTTP: the served WSDL points at the URL it was fetched from, each SOAP version is answered
 * in its own envelope, dates are xs:dateTime text, version mismatches are HTTP 415, and
 * malformed requests are soap:Client faults.
 */

/** strong-soap results and clients are untyped JSON-ish objects. */
type Loose = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
type Callback = (error: Error | null, result: Loose, envelope: string) => void;
type StrongClient = Loose;

const COMMITTED_WSDL = readFileSync(
  join(__dirname, '../../../schema/upstream/API300.wsdl'),
  'utf8',
);

function createStrongClient(wsdlUrl: string): Promise<StrongClient> {
  return new Promise((resolve, reject) =>
    strongSoap.createClient(wsdlUrl, {}, (error: Error | null, client: StrongClient) =>
      error ? reject(error) : resolve(client),
    ),
  );
}

function strongCall(
  method: (args: unknown, cb: Callback) => void,
  args: unknown,
): Promise<{ result: Loose; envelope: string }> {
  return new Promise((resolve, reject) =>
    method(args, (error, result, envelope) =>
      error ? reject(error) : resolve({ result, envelope }),
    ),
  );
}

describe('the simulator speaks SOAP like an ASMX service', () => {
  let clock: TestClock;
  let sim: RunningSimulator;
  const tokens = (): { CusToken: string; AuthToken: string } => ({
    CusToken: sim.tokens[0].cusToken,
    AuthToken: sim.tokens[0].authToken,
  });

  beforeAll(async () => {
    clock = createTestClock('2026-11-29T18:30:00+01:00');
    sim = await startTestSimulator({ now: clock.now });
  });
  afterAll(() => sim.close());
  beforeEach(() => clock.advance(61_000));

  describe('the WSDL', () => {
    it('is served at ?wsdl with both addresses rewritten to the URL it was fetched from', async () => {
      const viaLocalhost = `http://localhost:${sim.port}/Service/API300.asmx`;
      const served = await (await fetch(`${viaLocalhost}?WSDL`)).text();
      expect(served.match(/<soap(12)?:address location="([^"]*)"/g)).toEqual([
        `<soap:address location="${viaLocalhost}"`,
        `<soap12:address location="${viaLocalhost}"`,
      ]);
      expect(served.replace(/location="[^"]*"/g, '')).toBe(
        COMMITTED_WSDL.replace(/location="[^"]*"/g, ''),
      );
    });

    it('is not counted as a call', async () => {
      const before = (await simulatorStats(sim)).calls;
      await fetch(`${sim.endpoint}?wsdl`);
      expect((await simulatorStats(sim)).calls).toBe(before);
    });
  });

  describe('strong-soap, loading the WSDL from the service', () => {
    let client: StrongClient;
    beforeAll(async () => {
      client = await createStrongClient(`${sim.endpoint}?wsdl`);
    });

    it('sees both bindings with every operation', () => {
      const description = client.describe().API300;
      expect(Object.keys(description)).toEqual(['API300Soap', 'API300Soap12']);
      expect(Object.keys(description.API300Soap)).toHaveLength(12);
      expect(Object.keys(description.API300Soap12)).toHaveLength(12);
    });

    it('gets a SOAP 1.1 answer over the API300Soap port', async () => {
      const { result, envelope } = await strongCall(client.API300.API300Soap.GetCustomer, {
        ...tokens(),
        CustomerNumber: 10001,
      });
      expect(envelope).toContain('xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"');
      expect(result.GetCustomerResult.Status.Code).toBe(0);
      expect(result.GetCustomerResult.Customer.CustomerNumber).toBe(10001);
    });

    it('gets a SOAP 1.2 answer over the API300Soap12 port, routed by the body element', async () => {
      const { result, envelope } = await strongCall(client.API300.API300Soap12.GetCustomers, {
        ...tokens(),
        CustomerNumbers: { int: [10001, 10002] },
        ChangedSince: null,
        PageIndex: 0,
        PageSize: 5,
      });
      expect(envelope).toContain('xmlns:soap="http://www.w3.org/2003/05/soap-envelope"');
      expect(result.GetCustomersResult.TotalCount).toBe(2);
    });

    it('reads dates as xs:dateTime text (a Date, not an empty value)', async () => {
      clock.set('2026-11-29T18:30:00+01:00');
      const { result, envelope } = await strongCall(
        client.API300.API300Soap.ServerDateTime,
        tokens(),
      );
      expect(envelope).toContain('<ServerDateTime>2026-11-29T18:30:00</ServerDateTime>');
      expect(result.ServerDateTimeResult.Status.ServerDateTime).toBeInstanceOf(Date);
    });
  });

  describe('content types and versions', () => {
    it('answers SOAP 1.1 with text/xml and SOAP 1.2 with application/soap+xml', async () => {
      const v11 = await callSoap(sim, 'ServerDateTime', {}, { version: '1.1' });
      const v12 = await callSoap(sim, 'ServerDateTime', {}, { version: '1.2' });
      expect(v11.contentType).toBe('text/xml; charset=utf-8');
      expect(v12.contentType).toBe('application/soap+xml; charset=utf-8');
      expect(v12.body).toContain('http://www.w3.org/2003/05/soap-envelope');
    });

    it('refuses a SOAP 1.2 envelope sent as text/xml with HTTP 415', async () => {
      const response = await postSoap(
        sim,
        soapEnvelope('1.2', operationXml('ServerDateTime', {})),
        {
          version: '1.1',
          action: 'ServerDateTime',
        },
      );
      expect(response.status).toBe(415);
    });

    it('refuses a SOAP 1.1 envelope sent as application/soap+xml with HTTP 415', async () => {
      const response = await postSoap(
        sim,
        soapEnvelope('1.1', operationXml('ServerDateTime', {})),
        { version: '1.2' },
      );
      expect(response.status).toBe(415);
    });

    it('refuses other media types with HTTP 415', async () => {
      const response = await postSoap(
        sim,
        soapEnvelope('1.1', operationXml('ServerDateTime', {})),
        {
          action: 'ServerDateTime',
          contentType: 'text/plain',
        },
      );
      expect(response.status).toBe(415);
    });
  });

  describe('SOAPAction and faults', () => {
    const envelope = soapEnvelope('1.1', operationXml('GetStations', {}));

    it('needs a SOAPAction for SOAP 1.1', async () => {
      const response = await postSoap(sim, envelope, { action: null });
      expect(response.status).toBe(500);
      expect(xmlText(response.body, 'faultcode')).toBe('soap:Client');
    });

    it('faults on a SOAPAction naming no operation', async () => {
      const response = await postSoap(sim, envelope, { action: 'DropDatabase' });
      expect(response.status).toBe(500);
      expect(xmlText(response.body, 'faultcode')).toBe('soap:Client');
      expect(xmlText(response.body, 'faultstring')).toContain(
        'Server did not recognize the value of HTTP Header SOAPAction',
      );
    });

    it('faults when the body element is not the one the SOAPAction names', async () => {
      const response = await postSoap(sim, envelope, { action: 'GetCustomer' });
      expect(xmlText(response.body, 'faultcode')).toBe('soap:Client');
    });

    it('answers a malformed SOAP 1.2 envelope with a soap:Sender fault in a 1.2 envelope', async () => {
      const response = await postSoap(
        sim,
        '<soap:Envelope xmlns:soap="http://www.w3.org/2003/05/soap-envelope"><soap:Body>',
        {
          version: '1.2',
          action: 'GetStations',
        },
      );
      expect(response.status).toBe(500);
      expect(response.body).toContain('<soap:Value>soap:Sender</soap:Value>');
    });

    it('refuses a request carrying a DTD', async () => {
      const withDtd = envelope.replace(
        '?>',
        '?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>',
      );
      const response = await postSoap(sim, withDtd, { action: 'GetStations' });
      expect(xmlText(response.body, 'faultcode')).toBe('soap:Client');
      expect(xmlText(response.body, 'faultstring')).toContain('DTD is prohibited');
    });

    it('reads elements outside the service namespace as missing, like XmlSerializer', async () => {
      const unqualified = soapEnvelope(
        '1.1',
        `<GetStations xmlns="http://tempuri.org/"><CusToken xmlns="">${tokens().CusToken}</CusToken></GetStations>`,
      );
      const response = await postSoap(sim, unqualified, { action: 'GetStations' });
      expect(xmlText(response.body, 'Code')).toBe('10');
    });
  });
});

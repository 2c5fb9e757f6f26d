import { XMLValidator } from 'fast-xml-parser';
import { RunningSimulator } from '../../../src/simulator';
import { NO_FAULTS } from '../../../src/simulator/faults';
import {
  TestClock,
  callJson,
  callSoap,
  clearFaults,
  createTestClock,
  setFaults,
  simulatorStats,
  startTestSimulator,
  xmlText,
} from '../../helpers/simulator';

/** The fault knobs of POST /__simulator/faults, each on its own. */

describe('fault knobs', () => {
  let clock: TestClock;
  let sim: RunningSimulator;

  beforeEach(async () => {
    clock = createTestClock('2026-11-29T18:30:00+01:00');
    sim = await startTestSimulator({ now: clock.now });
  });
  afterEach(() => sim.close());

  const customerCount = async (): Promise<number> => (await simulatorStats(sim)).data.customers;
  const newCustomer = { Customer: { CustomerNumber: 0, Name: 'Fault', PriceLevel: 1 } };

  it('latencyMs delays every reply', async () => {
    await setFaults(sim, { latencyMs: 150 });
    const started = Date.now();
    await callSoap(sim, 'ServerDateTime');
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
  });

  it('http500Rate answers HTTP 500 with a soap:Server fault without running the call', async () => {
    await setFaults(sim, { http500Rate: 1 });
    const response = await callSoap(sim, 'SetCustomer', newCustomer);
    expect(response.status).toBe(500);
    expect(xmlText(response.body, 'faultcode')).toBe('soap:Server');
    const json = await callJson(sim, 'SetCustomer', newCustomer);
    expect(json.status).toBe(500);
    expect(json.json).toMatchObject({ Message: expect.stringContaining('http500Rate') });
    expect(await customerCount()).toBe(60);
    expect((await simulatorStats(sim)).calls).toBe(2);
  });

  it('malformedXmlRate runs the call, then sends an unparseable reply', async () => {
    await setFaults(sim, { malformedXmlRate: 1 });
    const response = await callSoap(sim, 'SetCustomer', newCustomer);
    expect(response.status).toBe(200);
    expect(XMLValidator.validate(response.body)).not.toBe(true);
    expect(await customerCount()).toBe(61);
  });

  it('hangRate leaves the request unanswered, and close() still ends the server', async () => {
    await setFaults(sim, { hangRate: 1 });
    await expect(
      fetch(sim.endpoint, {
        method: 'POST',
        headers: { 'content-type': 'text/xml' },
        body: '<x/>',
        signal: AbortSignal.timeout(200),
      }),
    ).rejects.toThrow();
    expect((await simulatorStats(sim)).calls).toBe(1);
  });

  it('forceStatusCode answers that code to every authorised call and does nothing', async () => {
    await setFaults(sim, { forceStatusCode: 41 });
    const response = await callSoap(sim, 'SetCustomer', newCustomer);
    expect(xmlText(response.body, 'Code')).toBe('41');
    expect(await customerCount()).toBe(60);
    const unauthorised = await callSoap(
      sim,
      'GetStations',
      {},
      { tokens: { cusToken: 'x', authToken: 'y' } },
    );
    expect(xmlText(unauthorised.body, 'Code')).toBe('10');
  });

  it('hostileXml "xxe" puts a DTD with an external entity into replies', async () => {
    await setFaults(sim, { hostileXml: 'xxe' });
    const { body } = await callSoap(sim, 'ServerDateTime');
    expect(body).toMatch(
      /^<\?xml[^>]*\?><!DOCTYPE soap:Envelope \[<!ENTITY xxe SYSTEM "file:\/\/\/etc\/passwd">\]>/,
    );
    expect(body).toContain('<Message>&xxe;OK</Message>');
  });

  it('hostileXml "billion-laughs" puts an entity bomb into replies', async () => {
    await setFaults(sim, { hostileXml: 'billion-laughs' });
    const { body } = await callSoap(sim, 'ServerDateTime');
    expect(body).toContain('<!ENTITY lol9 "&lol8;&lol8;');
    expect(body).toContain('<Message>&lol9;OK</Message>');
  });

  it('DELETE clears every knob', async () => {
    await setFaults(sim, { latencyMs: 5, http500Rate: 1, forceStatusCode: 99, hostileXml: 'xxe' });
    expect(await clearFaults(sim)).toEqual(NO_FAULTS);
    const response = await callSoap(sim, 'ServerDateTime');
    expect(response.status).toBe(200);
    expect(xmlText(response.body, 'Code')).toBe('0');
  });

  it('refuses an unknown or out-of-range knob with HTTP 400', async () => {
    await expect(setFaults(sim, { http500Rate: 2 })).rejects.toThrow('400');
    await expect(setFaults(sim, { explode: true } as never)).rejects.toThrow(
      "Unknown fault knob 'explode'",
    );
  });

  it('leaves the WSDL and the operator endpoints alone', async () => {
    await setFaults(sim, { http500Rate: 1, hangRate: 1 });
    expect((await fetch(`${sim.endpoint}?wsdl`)).status).toBe(200);
    expect((await simulatorStats(sim)).calls).toBe(0);
  });
});

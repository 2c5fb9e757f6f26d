/**
 * Fault knobs for tests and benchmarks (`POST /__simulator/faults`). They act on API300 POSTs
 * only, never on the WSDL or the operator endpoints. A faulted call still counts against the
 * limit, like any POST.
 */
export interface FaultKnobs {
  /** Added before every reply, in ms. Default 0. */
  latencyMs: number;
  /** Share (0..1) of calls answered HTTP 500 with a `soap:Server` fault, without running them. */
  http500Rate: number;
  /** Share (0..1) of calls that run, then get a truncated, unparseable reply body. */
  malformedXmlRate: number;
  /** Share (0..1) of calls that never get an answer (the socket stays open until the client gives up). */
  hangRate: number;
  /**
   * Ways a reply is lost AFTER the call was applied (a write is stored, the client cannot
   * tell): shares (0..1) of calls that run and then
   * - `cutReplyRate`: get the status line, headers (with the full `Content-Length`) and half
   *   the body, then the connection closes;
   * - `hangAfterApplyRate`: get no answer at all (the socket stays open until the client gives up);
   * - `resetAfterApplyRate`: get a TCP reset instead of the reply.
   */
  cutReplyRate: number;
  hangAfterApplyRate: number;
  resetAfterApplyRate: number;
  /**
   * When set, every other knob acts only on calls of these operations (`SetCustomer`, …);
   * the rest are served normally. `null`: on every call.
   */
  faultOperations: string[] | null;
  /** When set, every authorised call answers this `Status.Code` and does nothing. */
  forceStatusCode: number | null;
  /**
   * Replies carry a DTD: `xxe` declares an external entity (`file:///etc/passwd`) used in
   * `Status.Message`, `billion-laughs` a nested entity bomb. A safe client refuses both.
   */
  hostileXml: 'xxe' | 'billion-laughs' | null;
}

export const NO_FAULTS: Readonly<FaultKnobs> = Object.freeze({
  latencyMs: 0,
  http500Rate: 0,
  malformedXmlRate: 0,
  hangRate: 0,
  cutReplyRate: 0,
  hangAfterApplyRate: 0,
  resetAfterApplyRate: 0,
  faultOperations: null,
  forceStatusCode: null,
  hostileXml: null,
});

/** Merges a JSON body into `current`; throws with a precise message on a bad knob. */
export function mergeFaults(current: FaultKnobs, body: unknown): FaultKnobs {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new Error('Expected a JSON object of fault knobs.');
  }
  const next: FaultKnobs = { ...current };
  for (const [knob, value] of Object.entries(body as Record<string, unknown>)) {
    switch (knob) {
      case 'latencyMs':
        if (typeof value !== 'number' || !(value >= 0) || value > 600_000)
          throw new Error('latencyMs must be 0..600000.');
        next.latencyMs = value;
        break;
      case 'http500Rate':
      case 'malformedXmlRate':
      case 'hangRate':
      case 'cutReplyRate':
      case 'hangAfterApplyRate':
      case 'resetAfterApplyRate':
        if (typeof value !== 'number' || !(value >= 0 && value <= 1))
          throw new Error(`${knob} must be a number 0..1.`);
        next[knob] = value;
        break;
      case 'faultOperations':
        if (
          value !== null &&
          !(Array.isArray(value) && value.every((o) => typeof o === 'string' && o.length > 0))
        )
          throw new Error('faultOperations must be a list of operation names or null.');
        next.faultOperations = value === null ? null : [...(value as string[])];
        break;
      case 'forceStatusCode':
        if (value !== null && (typeof value !== 'number' || !Number.isInteger(value))) {
          throw new Error('forceStatusCode must be an integer status code or null.');
        }
        next.forceStatusCode = value;
        break;
      case 'hostileXml':
        if (value !== null && value !== 'xxe' && value !== 'billion-laughs') {
          throw new Error("hostileXml must be 'xxe', 'billion-laughs' or null.");
        }
        next.hostileXml = value;
        break;
      default:
        throw new Error(`Unknown fault knob '${knob}'.`);
    }
  }
  return next;
}

/** The DTD that `hostileXml` puts before the envelope, and the entity reference it plants. */
export function hostilePrologue(kind: 'xxe' | 'billion-laughs'): {
  doctype: string;
  reference: string;
} {
  if (kind === 'xxe') {
    return {
      doctype: '<!DOCTYPE soap:Envelope [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>',
      reference: '&xxe;',
    };
  }
  const levels = ['<!ENTITY lol "lol">'];
  for (let i = 1; i <= 9; i++) {
    const previous = i === 1 ? 'lol' : `lol${i - 1}`;
    levels.push(
      `<!ENTITY lol${i} "${Array.from({ length: 10 }, () => `&${previous};`).join('')}">`,
    );
  }
  return { doctype: `<!DOCTYPE soap:Envelope [${levels.join('')}]>`, reference: '&lol9;' };
}

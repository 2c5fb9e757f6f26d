import { NAMESPACE, OperationName, OPERATIONS, isOperation, parametersOf } from './contract';
import { WireRecord, WireTypeError, readXmlFields, writeXmlField } from './codec';
import { XmlElement, XmlSyntaxError, escapeXml, parseXmlDocument } from './xml';

/**
 * SOAP 1.1 and 1.2 the way ASMX speaks them: the content type picks the version, the
 * envelope must be of that version (else HTTP 415), SOAP 1.1 routes by `SOAPAction`, SOAP 1.2
 * by the `action` parameter or else the body element, and every fault goes out with HTTP 500.
 */

export type SoapVersion = '1.1' | '1.2';

export const ENVELOPE_NAMESPACE: Record<SoapVersion, string> = {
  '1.1': 'http://schemas.xmlsoap.org/soap/envelope/',
  '1.2': 'http://www.w3.org/2003/05/soap-envelope',
};

export const SOAP_CONTENT_TYPE: Record<SoapVersion, string> = {
  '1.1': 'text/xml; charset=utf-8',
  '1.2': 'application/soap+xml; charset=utf-8',
};

export type FaultKind = 'Client' | 'Server' | 'VersionMismatch';

export type SoapRequest =
  | { kind: 'call'; version: SoapVersion; operation: OperationName; params: WireRecord }
  | {
      kind: 'fault';
      version: SoapVersion;
      fault: FaultKind;
      message: string;
      operation: string | null;
    }
  | { kind: 'unsupported'; message: string; operation: string | null };

export interface ContentType {
  mediaType: string;
  parameters: Map<string, string>;
}

export function parseContentType(header: string | undefined): ContentType {
  const [mediaType, ...rest] = (header ?? '').split(';');
  const parameters = new Map<string, string>();
  for (const part of rest) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    parameters.set(
      part.slice(0, eq).trim().toLowerCase(),
      part
        .slice(eq + 1)
        .trim()
        .replace(/^"(.*)"$/, '$1'),
    );
  }
  return { mediaType: mediaType.trim().toLowerCase(), parameters };
}

export function soapVersionOf(contentType: ContentType): SoapVersion | null {
  if (contentType.mediaType === 'text/xml') return '1.1';
  if (contentType.mediaType === 'application/soap+xml') return '1.2';
  return null;
}

/** `http://tempuri.org/GetCustomer` → `GetCustomer`; anything else → the action itself. */
function operationOfAction(action: string): string {
  return action.startsWith(NAMESPACE) ? action.slice(NAMESPACE.length) : action;
}

const unableToRead = (detail: string): string =>
  `Server was unable to read request. ---> ${detail}`;

export function interpretSoap(
  contentTypeHeader: string | undefined,
  soapActionHeader: string | undefined,
  body: string,
): SoapRequest {
  const contentType = parseContentType(contentTypeHeader);
  const version = soapVersionOf(contentType);
  const rawAction =
    version === '1.2'
      ? contentType.parameters.get('action')
      : soapActionHeader?.trim().replace(/^"(.*)"$/, '$1');
  const actionOperation = rawAction ? operationOfAction(rawAction) : null;
  if (!version) {
    return {
      kind: 'unsupported',
      message: `Unsupported media type '${contentType.mediaType || '(none)'}': use text/xml (SOAP 1.1) or application/soap+xml (SOAP 1.2).`,
      operation: actionOperation,
    };
  }
  const fault = (message: string, kind: FaultKind = 'Client'): SoapRequest => ({
    kind: 'fault',
    version,
    fault: kind,
    message,
    operation: actionOperation,
  });

  let envelope: XmlElement;
  try {
    envelope = parseXmlDocument(body);
  } catch (error) {
    if (error instanceof XmlSyntaxError) return fault(unableToRead(error.message));
    throw error;
  }
  if (envelope.localName !== 'Envelope')
    return fault(unableToRead(`<${envelope.localName}> is not a SOAP envelope.`));
  const envelopeVersion = (Object.keys(ENVELOPE_NAMESPACE) as SoapVersion[]).find(
    (v) => ENVELOPE_NAMESPACE[v] === envelope.namespace,
  );
  if (!envelopeVersion)
    return fault(
      `Possible SOAP version mismatch: Envelope namespace ${envelope.namespace} was unexpected.`,
      'VersionMismatch',
    );
  if (envelopeVersion !== version) {
    return {
      kind: 'unsupported',
      message: `A SOAP ${envelopeVersion} envelope needs Content-Type ${SOAP_CONTENT_TYPE[envelopeVersion].split(';')[0]}, not ${contentType.mediaType}.`,
      operation: actionOperation,
    };
  }
  const bodies = envelope.children.filter(
    (c) => c.namespace === envelope.namespace && c.localName === 'Body',
  );
  const request = bodies.length === 1 ? bodies[0].children[0] : undefined;
  if (!request) return fault(unableToRead('The SOAP Body holds no request element.'));

  if (version === '1.1' && !rawAction) {
    return fault(
      'Unable to handle request without a valid action parameter. Please supply a valid soap action.',
    );
  }
  const routed = actionOperation ?? (request.namespace === NAMESPACE ? request.localName : null);
  if (!routed || !isOperation(routed)) {
    return rawAction
      ? fault(`Server did not recognize the value of HTTP Header SOAPAction: ${rawAction}.`)
      : fault(
          `Server did not recognize the request element <${request.localName} xmlns='${request.namespace}'>.`,
        );
  }
  if (request.namespace !== NAMESPACE || request.localName !== routed) {
    return {
      kind: 'fault',
      version,
      fault: 'Client',
      message: unableToRead(
        `<${request.localName} xmlns='${request.namespace}'> was not expected; <${routed} xmlns='${NAMESPACE}'> was.`,
      ),
      operation: routed,
    };
  }
  try {
    return {
      kind: 'call',
      version,
      operation: routed,
      params: readXmlFields(request, parametersOf(routed)),
    };
  } catch (error) {
    if (error instanceof WireTypeError) {
      return {
        kind: 'fault',
        version,
        fault: 'Client',
        message: unableToRead(error.message),
        operation: routed,
      };
    }
    throw error;
  }
}

function envelopeOpen(version: SoapVersion): string {
  return (
    '<?xml version="1.0" encoding="utf-8"?>' +
    `<soap:Envelope xmlns:soap="${ENVELOPE_NAMESPACE[version]}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema">`
  );
}

export function soapResponse(
  version: SoapVersion,
  operation: OperationName,
  result: WireRecord,
): string {
  const resultXml = writeXmlField(
    { name: `${operation}Result`, type: OPERATIONS[operation].result },
    result,
  );
  return `${envelopeOpen(version)}<soap:Body><${operation}Response xmlns="${NAMESPACE}">${resultXml}</${operation}Response></soap:Body></soap:Envelope>`;
}

export function soapFault(version: SoapVersion, kind: FaultKind, message: string): string {
  const text = escapeXml(message);
  if (version === '1.1') {
    return `${envelopeOpen(version)}<soap:Body><soap:Fault><faultcode>soap:${kind}</faultcode><faultstring>${text}</faultstring><detail /></soap:Fault></soap:Body></soap:Envelope>`;
  }
  const code = kind === 'Client' ? 'Sender' : kind === 'Server' ? 'Receiver' : 'VersionMismatch';
  return `${envelopeOpen(version)}<soap:Body><soap:Fault><soap:Code><soap:Value>soap:${code}</soap:Value></soap:Code><soap:Reason><soap:Text xml:lang="en">${text}</soap:Text></soap:Reason><soap:Detail /></soap:Fault></soap:Body></soap:Envelope>`;
}

import { OperationName, OPERATIONS, isOperation, parametersOf } from './contract';
import { WireRecord, WireTypeError, readJsonFields, writeJsonValue } from './codec';
import { parseContentType } from './soap';

/**
 * ASMX "script service" JSON mode: `POST /Service/API300.asmx/<Operation>` with
 * `application/json`, every parameter present, reply `{"d": …}`; failures are HTTP 500 with
 * `{"Message","StackTrace","ExceptionType"}` and the header `jsonerror: true`.
 */

export type JsonRequest =
  | { kind: 'call'; operation: OperationName; params: WireRecord }
  | { kind: 'error'; exceptionType: string; message: string; operation: string }
  | { kind: 'unsupported'; message: string; operation: string };

export function interpretJson(
  operation: string,
  contentTypeHeader: string | undefined,
  body: string,
): JsonRequest {
  const { mediaType } = parseContentType(contentTypeHeader);
  if (mediaType !== 'application/json') {
    return {
      kind: 'unsupported',
      message: `JSON mode needs Content-Type application/json, not '${mediaType || '(none)'}'.`,
      operation,
    };
  }
  if (!isOperation(operation)) {
    return {
      kind: 'error',
      exceptionType: 'System.ArgumentException',
      message: `Unknown web method ${operation}.\r\nParameter name: methodName`,
      operation,
    };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return {
      kind: 'error',
      exceptionType: 'System.ArgumentException',
      message: 'Invalid JSON primitive.',
      operation,
    };
  }
  try {
    return {
      kind: 'call',
      operation,
      params: readJsonFields(parsed, parametersOf(operation), true),
    };
  } catch (error) {
    if (error instanceof WireTypeError) {
      return {
        kind: 'error',
        exceptionType: 'System.InvalidOperationException',
        message: error.message,
        operation,
      };
    }
    throw error;
  }
}

export function jsonResponse(operation: OperationName, result: WireRecord): string {
  return `{"d":${writeJsonValue(OPERATIONS[operation].result, result)}}`;
}

export function jsonError(exceptionType: string, message: string): string {
  return JSON.stringify({ Message: message, StackTrace: '', ExceptionType: exceptionType });
}

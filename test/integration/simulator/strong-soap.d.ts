/** strong-soap ships no types; the simulator tests use it untyped, as an independent SOAP client. */
declare module 'strong-soap';

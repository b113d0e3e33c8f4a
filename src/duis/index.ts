/**
 * DUIS codec: the XML interface between Service Users and the DCC.
 * Pure (no I/O) except xsd.ts, which runs xmllint and says so in its name.
 */
export * from './bodies.ts';
export * from './errors.ts';
export * from './request.ts';
export * from './request-id.ts';
export * from './response.ts';
export * from './response-codes.ts';
export * from './service-requests.ts';
export * from './signature.ts';
export * from './values.ts';
export * from './x509-names.ts';
export * from './xml.ts';
export * from './xsd.ts';

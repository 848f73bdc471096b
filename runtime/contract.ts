/**
 * nest-realtime/contract: what clients see on the wire (error codes, error
 * payloads, the events every gateway shares), for a frontend bundle. Imports
 * nothing: no Nest, no Node built-ins.
 *
 * @example
 * import { RealtimeErrorCode, type ErrorPayload } from 'nest-realtime/contract';
 */
export * from './realtime.contract.js';

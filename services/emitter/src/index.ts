export { createEmitter, EmitRejectedError, type EmitInput, type EmitMeta, type EmitResult, type Emitter, type EmitterOptions } from './emitter.ts';
export { BusBackpressureError, BusUnavailableError } from '@journeys/bus';
export { EventValidationError } from '@journeys/contracts';

export * from './meter-device.ts';
export * from './prepayment.ts';
export * from './response-shape.ts';
export * from './time.ts';

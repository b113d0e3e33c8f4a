export * from './family-answers.ts';
export * from './meter-device.ts';
export * from './prepayment.ts';
export * from './response-shape.ts';
export * from './time.ts';
export * from './use-case-registry.ts';

export * from './esme.ts';
export * from './tariff.ts';

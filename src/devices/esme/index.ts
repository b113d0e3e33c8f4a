export * from './esme.ts';

export * from './gsme.ts';

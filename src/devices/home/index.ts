/** A home: the CH and its devices on one HAN (home.ts), and the rtds / generated profiles (profiles.ts). */
export * from './home.ts';
export * from './profiles.ts';

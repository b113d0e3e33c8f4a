export { GasMirror, type GasMirrorSnapshot } from './gas-mirror.ts';
export { Gpf, type GpfOptions, type GpfSnapshot, type GpfState } from './gpf.ts';

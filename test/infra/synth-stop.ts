// Jest's globalTeardown of the infra project (see synth-once.ts).
export { stopSynth as default } from './synth-once';

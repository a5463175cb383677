export * from './header.js';
export * from './frame-encoder.js';
export * from './frame-decoder.js';
export { bunzip2Exact } from './bzip2.js';

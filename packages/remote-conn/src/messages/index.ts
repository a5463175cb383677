export * from './constants.js';
export * from './xml.js';
export * from './requests.js';
export * from './inbound.js';
export * from './daemon.js';
export * from './relay.js';

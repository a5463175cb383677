import createDebug from 'debug';

/** The package's only log sink: enable with `DEBUG=pcmk-remote:fencing`. */
export const log = createDebug('pcmk-remote:fencing');

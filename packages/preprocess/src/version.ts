/** This package's version, which the dataset manifest records. */
export const GAZECODER_VERSION = (require('../package.json') as { version: string }).version;

/** This package's version, which the dataset manifest records. */
// eslint-disable-next-line @typescript-eslint/no-require-imports
export const GAZECODER_VERSION = (require('../package.json') as { version: string }).version;

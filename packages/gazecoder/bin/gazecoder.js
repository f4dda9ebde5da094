#!/usr/bin/env node
// The `gazecoder` command. A committed file rather than a build output, so that npm links it into
// node_modules/.bin at install time, before any build has run.
'use strict';
try {
  require.resolve('@gazecoder/cli/main');
} catch (error) {
  process.stderr.write(
    `gazecoder: the CLI is not built (${error.message.split('\n')[0]}).\n` +
      'In a clone of the gazecoder repository, run `npm run setup` (or `npm test` / `npm run demo`).\n',
  );
  process.exit(1);
}
require('@gazecoder/cli/main');

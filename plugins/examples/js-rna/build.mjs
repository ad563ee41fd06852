// Turns rna.js (and the modules it imports) into a WebAssembly component of
// the world `type-de-champ-plugin`, with componentize-js's JS API: its CLI
// (`jco componentize`) fails on this machine with "failed to get path
// metadata (os error 44)".
//
//   node build.mjs <source.js> <wit dir> <output.wasm>
//
// Called by build.sh, from a staging directory that holds only the sources:
// componentize-js pre-initializes the engine with wizer, which maps the
// current directory into the guest to read the modules, so nothing else
// (node_modules, the repository) is visible to it.

import { componentize } from '@bytecodealliance/componentize-js';
import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';

const [sourcePath, witPath, output] = process.argv.slice(2);
if (!sourcePath || !witPath || !output) {
  console.error('usage: node build.mjs <source.js> <wit dir> <output.wasm>');
  process.exit(2);
}

const { component } = await componentize({
  sourcePath: resolve(sourcePath),
  witPath: resolve(witPath),
  worldName: 'type-de-champ-plugin',
  // The host links WASI with nothing behind it: no outbound HTTP and no
  // incoming-handler. stdio, random and clocks stay: the engine uses them
  // (stdio for uncaught errors, which the host discards).
  disableFeatures: ['http', 'fetch-event'],
});
await writeFile(output, component);

// CommonJS users: on Node 22.12+ require() loads the ESM packages; before that, Node must say clearly that
// they are ES modules (ERR_REQUIRE_ESM), not that no "exports" main is defined.
const major = Number(process.versions.node.split('.')[0]);
for (const spec of ['@pcmk-remote/remote-conn', '@pcmk-remote/remote-conn/protocol', '@pcmk-remote/simulator', '@pcmk-remote/cib-model', '@pcmk-remote/fencing-hooks']) {
  try {
    const m = require(spec);
    if (Object.keys(m).length === 0) throw new Error(`${spec}: require() gave an empty module`);
    console.log(`require(${spec}): ${Object.keys(m).length} exports`);
  } catch (err) {
    if (err.code !== 'ERR_REQUIRE_ESM' && err.code !== 'ERR_REQUIRE_ASYNC_MODULE') throw err;
    if (major >= 23) throw err;
    console.log(`require(${spec}): ${err.code} (ESM only; use import() on this Node)`);
  }
}

/** Jest's globalSetup (jest.config.js): refuses to run the tests on a compiled package older than its sources. */
const { staleCompiled } = require('./compiled');

module.exports = () => {
  const stale = staleCompiled();
  if (stale.length > 0) throw new Error(`${stale.length} compiled file(s) out of date, e.g. ${stale[0]}`);
};

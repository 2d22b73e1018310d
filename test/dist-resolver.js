/** Jest's resolver (jest.config.js): the default one, then the package's TypeScript sources mapped to dist/ (test/compiled.js). */
const { toCompiled } = require('./compiled');

module.exports = (request, options) => toCompiled(options.defaultResolver(request, options));

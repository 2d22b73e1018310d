/** Jest's resolver (jest.config.js): the default one, then src/ and bench/ sources mapped to dist/ (test/compiled.js). */
const { toCompiled } = require('./compiled');

module.exports = (request, options) => toCompiled(options.defaultResolver(request, options));

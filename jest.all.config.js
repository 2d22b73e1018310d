/** `npm run test:all`: every tier, the fast one (jest.config.js) and the `*.slow.test.ts` files. */
const fast = require('./jest.config.js');

module.exports = { ...fast, testPathIgnorePatterns: ['/node_modules/'] };

/** A bundled contract is reachable by its name from any working directory (a consumer's project, say). */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundledContractNames, resolveContractPath } from '../../src/contract/load';

const CONTRACTS = join(__dirname, '..', '..', 'models', 'contracts');

describe('bundled contracts by name', () => {
  const cwd = process.cwd();
  beforeAll(() => process.chdir(mkdtempSync(join(tmpdir(), 'trtl-consumer-'))));
  afterAll(() => process.chdir(cwd));

  test('"peppa-slim160" resolves to the package file from an unrelated directory', () => {
    expect(bundledContractNames()).toContain('peppa-slim160');
    const path = resolveContractPath('peppa-slim160');
    expect(path).toBe(join(CONTRACTS, 'peppa-slim160.json'));
    expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual(JSON.parse(readFileSync(join(CONTRACTS, 'peppa-slim160.json'), 'utf8')));
  });

  test('paths and unknown names are left as given', () => {
    expect(resolveContractPath('models/contracts/peppa-slim160.json')).toBe('models/contracts/peppa-slim160.json');
    expect(resolveContractPath('no-such-contract')).toBe('no-such-contract');
    expect(resolveContractPath('peppa-slim160.json')).toBe('peppa-slim160.json');
  });
});

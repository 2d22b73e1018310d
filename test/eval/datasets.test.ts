/** Readers against temp folders: good and malformed annotations, missing pairs, every layout and split. */
import { join } from 'node:path';
import { parseLdmks, parsePts } from '../../src/eval/annotations';
import { loadDataset } from '../../src/eval/datasets';
import { face, face70, ldmksText, ptsText, tempDir, writeTree } from './fixtures';

function expectDatasetError(fn: () => unknown, message: string | RegExp): void {
  let err: (Error & { code?: string }) | undefined;
  try {
    fn();
  } catch (e) {
    err = e as Error & { code?: string };
  }
  expect(err).toBeDefined();
  expect(err!.code).toBe('ERR_DATASET');
  if (typeof message === 'string') expect(err!.message).toBe(message);
  else expect(err!.message).toMatch(message);
}

describe('.pts parser', () => {
  test('reads 68 points and subtracts 1 (300W is 1-indexed)', () => {
    const p = parsePts('version: 1\nn_points: 68\n{\n' + Array.from({ length: 68 }, (_, i) => `${i + 1} ${i + 11.5}`).join('\n') + '\n}\n', 'a.pts');
    expect(p.length).toBe(136);
    expect([p[0], p[1], p[134], p[135]]).toEqual([0, 10.5, 67, 77.5]);
  });

  test('accepts CRLF line ends and blank lines', () => {
    const p = parsePts('version: 1\r\nn_points:  68\r\n\r\n{\r\n' + '2 3\r\n'.repeat(68) + '}\r\n\r\n', 'b.pts');
    expect([p[0], p[1]]).toEqual([1, 2]);
  });

  test('round-trips the fixture writer', () => {
    expect(Array.from(parsePts(ptsText(face()), 'f.pts'))).toEqual(Array.from(face()));
  });

  const body = (lines: string[]) => ['version: 1', 'n_points: 68', '{', ...lines, '}'].join('\n');
  const good = Array.from({ length: 68 }, () => '10 20');

  test('a non-number names file and line', () => {
    const lines = [...good];
    lines[3] = '12.0 abc'; // line 4 + 3 header lines = line 7
    expectDatasetError(() => parsePts(body(lines), '/d/x.pts'), 'Malformed annotation /d/x.pts:7: expected two numbers but found "12.0 abc"');
  });

  test('three columns are an error', () => {
    const lines = [...good];
    lines[0] = '1 2 3';
    expectDatasetError(() => parsePts(body(lines), 'x.pts'), 'Malformed annotation x.pts:4: expected "x y" but found "1 2 3"');
  });

  test('too few points: the line of "}"', () => {
    // 67 points on lines 4..70, "}" on line 71
    expectDatasetError(() => parsePts(body(good.slice(1)), 'x.pts'), 'Malformed annotation x.pts:71: found "}" after 67 points but n_points is 68');
  });

  test('too many points: the first extra line', () => {
    expectDatasetError(() => parsePts(body([...good, '1 1']), 'x.pts'), 'Malformed annotation x.pts:72: more than n_points (68) points: expected "}" but found "1 1"');
  });

  test('missing header, missing brace, truncated file', () => {
    expectDatasetError(() => parsePts('n_points: 68\n{\n', 'x.pts'), 'Malformed annotation x.pts:1: expected "version: 1" header but found "n_points: 68"');
    expectDatasetError(() => parsePts('version: 1\nn_points: 68\n10 20\n', 'x.pts'), 'Malformed annotation x.pts:3: expected "{" but found "10 20"');
    expectDatasetError(() => parsePts('version: 1\nn_points: sixty\n{\n', 'x.pts'), 'Malformed annotation x.pts:2: n_points must be a positive integer, got "sixty"');
    expectDatasetError(() => parsePts('version: 1\nn_points: 68\n{\n1 2\n', 'x.pts'), 'Malformed annotation x.pts:5: file ends after 1 of 68 points (no closing "}")');
    expectDatasetError(() => parsePts('', 'x.pts'), 'Malformed annotation x.pts:1: expected "version: 1" header but found ""');
  });

  test('text after the closing brace', () => {
    expectDatasetError(() => parsePts(body(good) + '\nextra', 'x.pts'), 'Malformed annotation x.pts:73: unexpected text after "}": "extra"');
  });
});

describe('FaceSynthetics _ldmks.txt parser', () => {
  test('70 points, 0-indexed (kept as is)', () => {
    const p = parseLdmks(ldmksText(face70([1, 2, 3, 4])), '000000_ldmks.txt');
    expect(p.length).toBe(140);
    expect(Array.from(p.slice(136))).toEqual([1, 2, 3, 4]);
    expect(p[0]).toBe(face()[0]);
  });

  test('wrong count and non-numbers name file and line', () => {
    const lines = ldmksText(face70()).trim().split('\n');
    expectDatasetError(() => parseLdmks(lines.slice(0, 69).join('\n'), 'a_ldmks.txt'), 'Malformed annotation a_ldmks.txt:69: expected 70 points but found 69');
    expectDatasetError(() => parseLdmks([...lines, '1 2'].join('\n'), 'a_ldmks.txt'), 'Malformed annotation a_ldmks.txt:71: more than 70 points');
    lines[9] = 'NaN 3';
    expectDatasetError(() => parseLdmks(lines.join('\n'), 'a_ldmks.txt'), 'Malformed annotation a_ldmks.txt:10: expected two numbers but found "NaN 3"');
  });
});

describe('dataset layouts', () => {
  const img = Buffer.from('not decoded by the reader');

  test('plain folder: pairs by stem, lists unpaired files', () => {
    const root = tempDir('folder');
    writeTree(root, { 'a.jpg': img, 'a.pts': ptsText(face()), 'b.png': img, 'b.pts': ptsText(face()), 'c.jpg': img, 'd.pts': ptsText(face()), 'notes.txt': 'x' });
    const ds = loadDataset(root);
    expect(ds.format).toBe('folder');
    expect(ds.samples.map((s) => s.id)).toEqual(['a.jpg', 'b.png']);
    expect(ds.samples[0].landmarks).toBe(68);
    expect(ds.samples[0].image).toBe(join(root, 'a.jpg'));
    expect(Array.from(ds.samples[0].points)).toEqual(Array.from(face()));
    expect(ds.imagesWithoutAnnotation).toEqual(['c.jpg']);
    expect(ds.annotationsWithoutImage).toEqual(['d.pts']);
    expect(loadDataset(root, { limit: 1 }).samples.map((s) => s.id)).toEqual(['a.jpg']);
  });

  test('a malformed annotation fails the load with file and line', () => {
    const root = tempDir('bad');
    writeTree(root, { 'a.jpg': img, 'a.pts': 'version: 1\nn_points: 68\n{\n1 x\n' });
    expectDatasetError(() => loadDataset(root), `Malformed annotation ${join(root, 'a.pts')}:4: expected two numbers but found "1 x"`);
  });

  test('unsupported point count', () => {
    const root = tempDir('p39');
    writeTree(root, { 'a.jpg': img, 'a.pts': ptsText(face().slice(0, 78)) });
    expectDatasetError(() => loadDataset(root), `Annotation ${join(root, 'a.pts')} has 39 points; the evaluation supports 68 (iBUG) or 70 (iBUG + pupils)`);
  });

  test('missing folder, empty folder, two images with one stem', () => {
    expectDatasetError(() => loadDataset('/nonexistent/trtl-data'), 'Data folder /nonexistent/trtl-data does not exist');
    const empty = tempDir('empty');
    writeTree(empty, { 'only.jpg': img });
    expectDatasetError(() => loadDataset(empty), `No annotated images found in ${empty} (1 unpaired files)`);
    const dup = tempDir('dup');
    writeTree(dup, { 'a.jpg': img, 'a.png': img, 'a.pts': ptsText(face()) });
    expectDatasetError(() => loadDataset(dup), `Two images share the stem "a" in ${dup}: a.jpg and a.png`);
  });

  function make300W(withIbug = true): string {
    const root = tempDir('300w');
    const pts = ptsText(face());
    const files: Record<string, string | Buffer> = {
      'helen/testset/h1.jpg': img,
      'helen/testset/h1.pts': pts,
      'helen/testset/h2.jpg': img,
      'helen/testset/h2.pts': pts,
      'helen/trainset/t1.jpg': img,
      'helen/trainset/t1.pts': pts,
      'lfpw/trainset/image_0500.png': img,
      'lfpw/trainset/image_0500.pts': pts,
      'lfpw/testset/image_0001.png': img,
      'lfpw/testset/image_0001.pts': pts,
      'lfpw/testset/orphan.pts': pts,
      '300W/01_Indoor/indoor_001.png': img,
      '300W/01_Indoor/indoor_001.pts': pts,
      '300W/02_Outdoor/outdoor_001.png': img,
      '300W/02_Outdoor/outdoor_001.pts': pts,
      '300W/02_Outdoor/outdoor_002.png': img,
      'afw/1_1.jpg': img,
      'afw/1_1.pts': pts,
    };
    if (withIbug) Object.assign(files, { 'ibug/image_003_1.jpg': img, 'ibug/image_003_1.pts': pts });
    writeTree(root, files);
    return root;
  }

  test('300W splits by folder layout', () => {
    const root = make300W();
    const ids = (split?: string) => loadDataset(root, { split }).samples.map((s) => `${s.subset}:${s.id}`);
    expect(ids('common')).toEqual(['helen:helen/testset/h1.jpg', 'helen:helen/testset/h2.jpg', 'lfpw:lfpw/testset/image_0001.png']);
    expect(ids('challenge')).toEqual(['ibug:ibug/image_003_1.jpg']);
    expect(ids('full')).toHaveLength(4);
    expect(ids()).toEqual(ids('full'));
    expect(ids('indoor')).toEqual(['indoor:300W/01_Indoor/indoor_001.png']);
    expect(ids('outdoor')).toEqual(['outdoor:300W/02_Outdoor/outdoor_001.png']);
    expect(ids('private')).toHaveLength(2);
    expect(ids('train')).toEqual(['afw:afw/1_1.jpg', 'helen-train:helen/trainset/t1.jpg', 'lfpw-train:lfpw/trainset/image_0500.png']);
    const common = loadDataset(root, { split: 'common' });
    expect(common.format).toBe('300w');
    expect(common.split).toBe('common');
    expect(common.annotationsWithoutImage).toEqual(['lfpw/testset/orphan.pts']);
    expect(loadDataset(root, { split: 'outdoor' }).imagesWithoutAnnotation).toEqual(['300W/02_Outdoor/outdoor_002.png']);
  });

  test('300W: a missing subset folder and an unknown split are errors', () => {
    const root = make300W(false);
    expectDatasetError(() => loadDataset(root, { split: 'challenge' }), `300W split "challenge" needs ibug under ${root}, not found`);
    expectDatasetError(() => loadDataset(root, { split: 'everything' }), /^Unknown 300W split "everything"; expected one of common, challenge, full/);
  });

  test('--split on a plain folder is an error', () => {
    const root = tempDir('plain');
    writeTree(root, { 'a.jpg': img, 'a.pts': ptsText(face()) });
    expectDatasetError(() => loadDataset(root, { split: 'common' }), /--split applies to the 300W layout/);
  });

  test('FaceSynthetics: NNNNNN.png + NNNNNN_ldmks.txt, 70 points; other files ignored', () => {
    const root = tempDir('fs');
    writeTree(root, {
      '000000.png': img,
      '000000_ldmks.txt': ldmksText(face70()),
      '000000_seg.png': img,
      '000001.png': img,
      '000002_ldmks.txt': ldmksText(face70()),
    });
    const ds = loadDataset(root);
    expect(ds.format).toBe('facesynthetics');
    expect(ds.samples.map((s) => [s.id, s.subset, s.landmarks])).toEqual([['000000.png', 'facesynthetics', 70]]);
    expect(ds.imagesWithoutAnnotation).toEqual(['000001.png']);
    expect(ds.annotationsWithoutImage).toEqual(['000002_ldmks.txt']);
  });

  test('list file: image [subset] per line, comments, missing pairs', () => {
    const root = make300W();
    writeTree(root, {
      'my.txt': '# my test list\nhelen/testset/h1.jpg\nibug/image_003_1.jpg hard\n\n300W/02_Outdoor/outdoor_002.png\nlfpw/testset/orphan.png\n',
    });
    const ds = loadDataset(root, { list: join(root, 'my.txt') });
    expect(ds.format).toBe('list');
    expect(ds.samples.map((s) => `${s.subset}:${s.id}`)).toEqual(['testset:helen/testset/h1.jpg', 'hard:ibug/image_003_1.jpg']);
    expect(ds.imagesWithoutAnnotation).toEqual(['300W/02_Outdoor/outdoor_002.png']);
    expect(ds.annotationsWithoutImage).toEqual(['lfpw/testset/orphan.pts']);
    writeTree(root, { 'bad.txt': 'helen/testset/h1.jpg a b\n' });
    expectDatasetError(() => loadDataset(root, { list: join(root, 'bad.txt') }), `Malformed list ${join(root, 'bad.txt')}:1: expected "image [subset]" but found "helen/testset/h1.jpg a b"`);
    writeTree(root, { 'gone.txt': '\nnothing/here.jpg\n' });
    expectDatasetError(() => loadDataset(root, { list: join(root, 'gone.txt') }), `List ${join(root, 'gone.txt')}:2: neither nothing/here.jpg nor its annotation exists`);
  });
});

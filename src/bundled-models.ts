/**
 * The models that ship inside the package (models/default, each with its licence and PROVENANCE.md) and their
 * contracts (models/contracts): what TrtLandmarker.create() uses when no model is given.
 */
import { join } from 'node:path';
import { packageRoot } from './util/package-root';

export interface ModelFiles {
  model: string;
  config: string;
}

/** peppa-slim160 (Apache-2.0): 68 points, 160x160 regression; its contract holds the detector box map. */
export function defaultLandmarkFiles(): ModelFiles {
  const root = packageRoot();
  return { model: join(root, 'models', 'default', 'peppa-slim160', 'slim_160_latest.onnx'), config: join(root, 'models', 'contracts', 'peppa-slim160.json') };
}

/** UltraFace RFB-320 (MIT): SSD face detector, 320x240. */
export function defaultDetectorFiles(): ModelFiles {
  const root = packageRoot();
  return {
    model: join(root, 'models', 'default', 'ultraface-rfb-320', 'version-RFB-320_without_postprocessing.onnx'),
    config: join(root, 'models', 'contracts', 'ultraface-rfb-320.json'),
  };
}

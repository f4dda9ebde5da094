// @gazecoder/synth: seeded synthetic datasets in the Lookit layout, and the drawing and encoding
// helpers behind them (which the preprocess tests use for their fixtures too).

export { synthesize, TRUTH_FILE, type SynthOptions, type SynthSummary, type SynthVideo } from './synthesize';
export type { FrameTruth } from './render';
export type { WhichDataset } from './plan';
export { METADATA_FILE } from './metadata';
export { drawFace, drawFaceOn, gazePose, blendPose, identity, type Gaze, type GazePose, type Identity, type Placement, type Box, type DrawnEye, type DrawnFace } from './face';
export { cameraFinish } from './noise';
export { writeVideo, openVideoWriter, type VideoOptions, type VideoWriter } from './encode-video';
export { CODING_HEADER, codingText, frameStartMs, trialEndMs } from '@gazecoder/formats';
export { codingName, videoName } from './lookit-names';
export { buildLookitFixture, FIXTURE_FPS, type FixtureVideo } from './lookit-fixture';
export { gazeScript, frameGazes, type Segment, type SegmentKind } from './gaze-script';

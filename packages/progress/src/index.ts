// @gazecoder/progress: the one progress implementation of gazecoder's commands (preprocess, annotate,
// train, bench). On a terminal, a live block of redrawn lines (bars, rate, ETA) under permanent lines;
// otherwise one JSON object per line, frequent updates throttled. No dependencies.
export { bar, duration } from './format';
export { Throttle } from './throttle';
export { JsonLines } from './json-lines';
export { LiveLines } from './live-lines';
export { JsonLinesProgress, SILENT_PROGRESS, TerminalProgress, type ProgressReporter } from './video-progress';

// The one place that loads OpenCV: quietly (the binding prints build-detection lines to stdout on
// require, which would corrupt `--json` output), lazily, and once.
type Cv = typeof import('@u4/opencv4nodejs');

let cv: Cv | undefined;

/** The OpenCV binding (`@u4/opencv4nodejs`, built against the system's OpenCV). */
export function opencv(): Cv {
  if (!cv) {
    // OpenCV's own warnings (e.g. GStreamer probing a file name) are noise here; errors still show.
    process.env.OPENCV_LOG_LEVEL ??= 'ERROR';
    (require('@u4/opencv-build') as { Log: { silence: boolean } }).Log.silence = true;
    cv = require('@u4/opencv4nodejs') as Cv;
  }
  return cv;
}

/** The OpenCV version the binding runs on, e.g. '4.6.0'. */
export function opencvVersion(): string {
  const { major, minor, revision } = opencv().version;
  return `${major}.${minor}.${revision}`;
}

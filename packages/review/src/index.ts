// @gazecoder/review: `gazecoder review`, a local web app to check and correct gaze codings frame by
// frame. The server (Fastify, loopback, a token in every URL) serves the videos and codings it was
// started with to the bundled page (dist/page), journals every edit, and saves corrected codings
// beside their sources.

export { isLoopback, startReviewServer, type ReviewServer, type ReviewServerOptions } from './server';
export { REVIEWED_FOLDER, reviewedPath } from './save';
export { SAVE_FORMATS, type ReviewState, type SaveFormat } from './protocol';

// @gazecoder/models: the model cache. Archives gazecoder knows by name (iCatcher+'s released models),
// fetched resumably with their SHA-256 checked and unpacked atomically into a per-user cache, and
// model names resolved to the cached files wherever a model file is taken.
export { modelCacheFolder } from './cache-folder';
export { ICATCHER_ARCHIVE, MODEL_ARCHIVES, modelArchive, modelByName, type ModelArchive, type ModelKind } from './catalog';
export { DownloadError, type DownloadProgress } from './download';
export { cachedArchive, cachedBytes, fetchModelArchive, type CachedArchive, type FetchOptions } from './fetch-archive';
export { resolveModelFile } from './resolve-model';

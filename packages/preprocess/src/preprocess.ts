// `gazecoder preprocess`: raw annotated videos → the packed dataset, in parallel, resumable, and
// consistent whatever happens (see docs/dataset-format.md).
import { existsSync, statSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { extname, join } from 'node:path';

import { datasetStats, type DatasetStats } from './dataset/dataset-stats';
import { lockDataset } from './dataset/dataset-lock';
import { DATASET_FORMAT, DATASET_VERSION, type DatasetSettings, type Manifest, readManifest, settingsMismatch, type Split, type VideoEntry, writeFileAtomic, writeManifest } from '@gazecoder/formats';
import { removeStaleStaging } from './dataset/staging';
import { videoFolder } from './dataset/video-folder';
import { detectorSpec } from './detect/create-detector';
import { res10Files } from './detect/res10';
import { retinaFaceWeights } from './detect/retinaface';
import type { DetectorSpec } from './detect/detector';
import type { FaceSelection } from './faces/face-selection';
import { readCsvLayout } from './layout/csv-layout';
import { readLookitLayout } from './layout/lookit-layout';
import type { Excluded, VideoSource } from './layout/video-source';
import type { VideoResult, VideoTask } from './run/process-video';
import { SILENT_PROGRESS, type ProgressReporter } from '@gazecoder/progress';
import { runWorkerPool } from './run/worker-pool';
import { assignSplits, type SplitPolicy } from './split/assign-splits';
import { GAZECODER_VERSION } from './version';

export interface PreprocessOptions {
  /** a Lookit raw folder, or a CSV (generic layout) */
  raw: string;
  /** the dataset folder (created, or resumed) */
  out: string;
  detector?: Partial<DetectorSpec>;
  /** side of the square crops (100) */
  imageSize?: number;
  faceSelection?: FaceSelection;
  /** default: which.dataset */
  split?: SplitPolicy;
  /** worker processes (default: one per core) */
  jobs?: number;
  /** detect faces on every frame, not only where coder 1 labelled */
  allFrames?: boolean;
  /** also write iCatcher+'s faces/ layout */
  exportIcatcherLayout?: boolean;
  /** Lookit: the metadata TSV, if not <raw>/prephys_split0_videos_detailed.tsv */
  metadata?: string;
  progress?: ProgressReporter;
}

export interface PreprocessSummary {
  dataset: string;
  /** videos processed by this run */
  processed: string[];
  /** videos done by an earlier run, skipped */
  alreadyDone: string[];
  failed: Array<{ id: string; error: string }>;
  /** videos left out by the layout or the split policy */
  excluded: Excluded[];
  stats: DatasetStats;
}

function checkOptions(o: PreprocessOptions, imageSize: number, jobs: number): void {
  if (!Number.isInteger(imageSize) || imageSize < 1 || imageSize > 1024) throw new Error(`image size must be an integer in 1…1024, got ${imageSize}`);
  if (!Number.isInteger(jobs) || jobs < 1) throw new Error(`jobs must be a positive integer, got ${jobs}`);
  if (!existsSync(o.raw)) throw new Error(`${o.raw}: no such file or folder`);
  const c = o.detector?.confidence;
  if (c !== undefined && !(c >= 0 && c <= 1)) throw new Error(`detector confidence must be in [0, 1], got ${c}`);
  if (o.detector?.name === 'res10') {
    const model = res10Files(o.detector);
    for (const file of [model.prototxt, model.caffemodel]) if (!existsSync(file)) throw new Error(`${file}: no such file (--face-model)`);
  }
  if (o.detector?.name === 'retinaface') retinaFaceWeights(o.detector);
}

function settingsOf(spec: DetectorSpec, imageSize: number, faceSelection: FaceSelection, allFrames: boolean): DatasetSettings {
  return {
    imageSize,
    detector: { name: spec.name, confidence: spec.confidence, boxScale: spec.boxAdjustment.scale, boxShiftY: spec.boxAdjustment.shiftY },
    faceSelection,
    allFrames,
  };
}

/** Serialises manifest writes: each is a complete, atomic replacement. */
class ManifestKeeper {
  private queue = Promise.resolve();

  constructor(
    private readonly dir: string,
    readonly manifest: Manifest,
  ) {}

  /** Replaces (or adds) `entry` and writes the manifest. */
  update(entry: VideoEntry): Promise<void> {
    const videos = this.manifest.videos;
    const i = videos.findIndex((v) => v.id === entry.id);
    if (i >= 0) videos[i] = entry;
    else videos.push(entry);
    return this.write();
  }

  write(): Promise<void> {
    this.queue = this.queue.then(() => writeManifest(this.dir, this.manifest));
    return this.queue;
  }
}

/** Copies the coding files where iCatcher+'s loader lists its train and validation videos. */
async function exportCodingLists(out: string, done: ReadonlyArray<{ video: VideoSource; split: Split }>): Promise<void> {
  for (const { video, split } of done) {
    if (split === 'test') continue;
    const folder = join(out, split === 'train' ? 'train' : 'validation');
    for (const [coder, file] of [['coding_first', video.coder1], ['coding_second', video.coder2]] as const) {
      if (!file) continue;
      await mkdir(join(folder, coder), { recursive: true });
      await writeFileAtomic(join(folder, coder, `${video.id}${extname(file)}`), await readFile(file));
    }
  }
}

/** Preprocesses a raw dataset into the packed format; see {@link PreprocessOptions}. */
export async function preprocess(options: PreprocessOptions): Promise<PreprocessSummary> {
  const imageSize = options.imageSize ?? 100;
  const jobs = options.jobs ?? availableParallelism();
  const faceSelection = options.faceSelection ?? 'lowest';
  const allFrames = options.allFrames ?? false;
  const exportIcatcher = options.exportIcatcherLayout ?? false;
  const progress = options.progress ?? SILENT_PROGRESS;
  checkOptions(options, imageSize, jobs);
  const spec = detectorSpec(options.detector);
  const policy = options.split ?? { kind: 'which-dataset' };

  const raw = statSync(options.raw).isFile()
    ? await readCsvLayout(options.raw)
    : await readLookitLayout(options.raw, { metadata: options.metadata, metadataOptional: policy.kind === 'file' });
  const { assigned, excluded } = await assignSplits(raw.videos, policy);

  await mkdir(join(options.out, 'videos'), { recursive: true });
  const release = lockDataset(options.out);
  try {
    const settings = settingsOf(spec, imageSize, faceSelection, allFrames);
    const previous = await readManifest(options.out);
    if (previous) {
      const mismatch = settingsMismatch(previous, settings);
      if (mismatch) throw new Error(`${options.out} was made with other settings (${mismatch}); use the same settings to resume, or a new output folder`);
    }
    await removeStaleStaging(join(options.out, 'videos'));
    if (exportIcatcher) await removeStaleStaging(join(options.out, 'faces'));

    const before = new Map((previous?.videos ?? []).map((v) => [v.id, v]));
    const entries: VideoEntry[] = [];
    const tasks: VideoTask[] = [];
    const alreadyDone: string[] = [];
    const byId = new Map(assigned.map((a) => [a.video.id, a]));
    for (const { video, split } of assigned) {
      const old = before.get(video.id);
      const base = { id: video.id, split, ...(video.childId !== undefined ? { childId: video.childId } : {}), source: video.source };
      const complete = existsSync(videoFolder(options.out, video.id)) && (!exportIcatcher || existsSync(join(options.out, 'faces', video.id)));
      if (old?.status === 'done' && complete) {
        entries.push({ ...old, ...base });
        alreadyDone.push(video.id);
        continue;
      }
      // An earlier failure stays listed until this run settles the video.
      if (old?.status === 'failed') entries.push({ ...old, ...base });
      if (!video.coder1) continue;
      tasks.push({ id: video.id, video: video.video, coder1: video.coder1, ...(video.coder2 ? { coder2: video.coder2 } : {}), ...(video.videoStart ? { videoStart: video.videoStart } : {}) });
    }
    const keeper = new ManifestKeeper(options.out, {
      format: DATASET_FORMAT,
      version: DATASET_VERSION,
      ...settings,
      createdBy: `gazecoder ${GAZECODER_VERSION}`,
      videos: entries,
    });
    await keeper.write();

    const processed: string[] = [];
    const failed: Array<{ id: string; error: string }> = [];
    progress.begin(tasks.length, alreadyDone.length);
    const baseOf = (task: VideoTask): Omit<VideoEntry, 'status'> => {
      const { video, split } = byId.get(task.id) as { video: VideoSource; split: Split };
      return { id: video.id, split, ...(video.childId !== undefined ? { childId: video.childId } : {}), source: video.source };
    };
    await runWorkerPool(
      tasks,
      { jobs, detector: spec, settings: { datasetDir: options.out, imageSize, faceSelection, allFrames, exportIcatcher } },
      {
        started: (task) => progress.videoStarted(task.id),
        progress: (id, frame, expected) => progress.videoProgress(id, frame, expected),
        done: async (task, result: VideoResult) => {
          await keeper.update({ ...baseOf(task), status: 'done', ...result });
          processed.push(task.id);
          progress.videoDone(task.id, result.frames, result.crops);
        },
        failed: async (task, error) => {
          await keeper.update({ ...baseOf(task), status: 'failed', error });
          failed.push({ id: task.id, error });
          progress.videoFailed(task.id, error);
        },
      },
    );
    progress.end();
    if (exportIcatcher) {
      const done = new Set(keeper.manifest.videos.filter((v) => v.status === 'done').map((v) => v.id));
      await exportCodingLists(options.out, assigned.filter((a) => done.has(a.video.id)));
    }
    return { dataset: options.out, processed, alreadyDone, failed, excluded: [...raw.excluded, ...excluded], stats: datasetStats(keeper.manifest) };
  } finally {
    release();
  }
}


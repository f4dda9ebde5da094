// A review session: the loaded videos, each with its corrected track and the journal under it. Every
// request of the page ends here, by video id and track id.
import { compareCodings, type EvaluatedCoding, type ReferenceCoding } from '@gazecoder/evaluate';
import { className, LABEL, machineCodingOf } from '@gazecoder/formats';

import { CorrectedTrack } from './corrected-track';
import { Journal } from './journal';
import { loadInputs, reviewedBase, sha256, type LoadedTrack, type LoadedVideo, type LoadOptions } from './load';
import { SAVE_FORMATS, type AgreementInfo, type ClassInfo, type CorrectedInfo, type EditRequest, type SaveFormat, type SessionInfo, type TrackInfo, type VideoDetail, type VideoSummary } from './protocol';
import { toRuns } from './runs';
import { journalPath, saveCoding } from './save';

/** A request about something the session does not have, or cannot do: the server answers 4xx with it. */
export class ReviewRequestError extends Error {
  constructor(
    readonly status: 400 | 404 | 409,
    message: string,
  ) {
    super(message);
    this.name = 'ReviewRequestError';
  }
}

interface VideoReview {
  video: LoadedVideo;
  corrected: CorrectedTrack;
  /** the track the corrected one started from */
  source: LoadedTrack | null;
  journal: Journal;
  folder: string;
  stem: string;
  unsaved: boolean;
}

const TRACK_NAMES: Record<LoadedTrack['kind'], string> = { machine: 'machine', human: 'human' };

function trackName(track: LoadedTrack): string {
  const file = track.path.split(/[\\/]/).slice(-2).join('/');
  return `${TRACK_NAMES[track.kind]}: ${file}`;
}

/** One byte per frame: round(c × 250), 255 where there is no confidence. */
function confidenceBytes(confidences: Float32Array): string {
  const bytes = Buffer.alloc(confidences.length);
  for (let f = 0; f < confidences.length; f += 1) {
    const c = confidences[f] as number;
    bytes[f] = c >= 0 && c <= 1 ? Math.round(c * 250) : 255;
  }
  return bytes.toString('base64');
}

const finite = (x: number): number | null => (Number.isFinite(x) ? x : null);

export class ReviewSession {
  private constructor(
    private readonly reviews: Map<string, VideoReview>,
    readonly defaultFormats: SaveFormat[],
  ) {}

  /** Loads the inputs and replays each video's journal. */
  static async open(options: LoadOptions & { defaultFormats: SaveFormat[] }): Promise<ReviewSession> {
    const videos = await loadInputs(options);
    const reviews = new Map<string, VideoReview>();
    try {
      for (const video of videos) {
        const source = video.tracks.find((t) => t.kind === 'machine') ?? video.tracks[0] ?? null;
        const { folder, stem } = reviewedBase(source?.path ?? video.path);
        const corrected = new CorrectedTrack(source?.labels ?? new Int8Array(video.frames).fill(LABEL.none), source?.confidences ?? new Float32Array(video.frames).fill(-1));
        const path = journalPath(folder, stem);
        const opened = Journal.open(path, { source: source?.path ?? null, sourceSha256: source ? await sha256(source.path) : null, frames: video.frames });
        reviews.set(video.id, { video, corrected, source, journal: opened.journal, folder, stem, unsaved: opened.unsaved });
        opened.operations.forEach((op, i) => {
          const problem = corrected.check(op);
          if (problem !== null) throw new Error(`${path}: operation ${i + 1} cannot be replayed: ${problem}`);
          corrected.apply(op);
        });
      }
    } catch (error) {
      for (const review of reviews.values()) review.journal.close();
      throw error;
    }
    return new ReviewSession(reviews, options.defaultFormats);
  }

  private review(id: string): VideoReview {
    const review = this.reviews.get(id);
    if (!review) throw new ReviewRequestError(404, `no video '${id}' in this review`);
    return review;
  }

  /** Every file the session reads: the only files it serves or reads, and ones it never writes. */
  get inputs(): string[] {
    return [...this.reviews.values()].flatMap((r) => [r.video.path, ...r.video.tracks.map((t) => t.path)]);
  }

  /** The video file of an id (what the media route streams). */
  videoPath(id: string): string {
    return this.review(id).video.path;
  }

  info(): SessionInfo {
    const videos: VideoSummary[] = [...this.reviews.values()].map((r) => ({ id: r.video.id, name: r.video.path.split(/[\\/]/).pop() as string, frames: r.video.frames, state: r.corrected.state }));
    const classes: ClassInfo[] = Object.values(LABEL).map((id) => ({ id, name: className(id) }));
    return { videos, classes, formats: SAVE_FORMATS, defaultFormats: this.defaultFormats };
  }

  private correctedInfo(review: VideoReview): CorrectedInfo {
    const { corrected } = review;
    return { runs: toRuns(corrected.labels), canUndo: corrected.canUndo, canRedo: corrected.canRedo, state: corrected.state, unsaved: review.unsaved, source: review.source ? trackName(review.source) : null };
  }

  detail(id: string): VideoDetail {
    const review = this.review(id);
    const { video } = review;
    const tracks: TrackInfo[] = video.tracks.map((t) => ({ id: t.id, name: trackName(t), kind: t.kind, runs: toRuns(t.labels) }));
    tracks.push({ id: 'corrected', name: 'corrected', kind: 'corrected', runs: toRuns(review.corrected.labels) });
    const machine = video.tracks.find((t) => t.confidences !== null);
    return {
      id,
      name: video.path.split(/[\\/]/).pop() as string,
      frames: video.frames,
      timing: video.timing,
      tracks,
      confidence: machine?.confidences ? confidenceBytes(machine.confidences) : null,
      corrected: this.correctedInfo(review),
      warnings: video.warnings,
    };
  }

  /** Applies an edit, undo, redo or state change, journalled before it is answered. */
  edit(id: string, op: EditRequest): CorrectedInfo {
    const review = this.review(id);
    const problem = review.corrected.check(op);
    if (problem !== null) throw new ReviewRequestError(409, problem);
    review.journal.append(op);
    review.corrected.apply(op);
    if (op.type !== 'state') review.unsaved = true;
    return this.correctedInfo(review);
  }

  private coding(review: VideoReview, trackId: string): ReferenceCoding {
    if (trackId === 'corrected') {
      // As `gazecoder eval` reads the saved raw_output: the edges −3, the end at length − 4.
      const { labels, end } = machineCodingOf({ labels: review.corrected.labels, confidences: review.corrected.confidences });
      return { labels, end, trials: [[0, end]] };
    }
    const track = review.video.tracks.find((t) => t.id === trackId);
    if (!track) throw new ReviewRequestError(404, `no track '${trackId}' in video '${review.video.id}'`);
    return track.reference;
  }

  /** Percent agreement and Cohen's κ of two tracks over the session, with @gazecoder/evaluate. */
  agreement(id: string, a: string, b: string): AgreementInfo {
    const review = this.review(id);
    const reference = this.coding(review, a);
    const other: EvaluatedCoding = this.coding(review, b);
    const { session } = compareCodings(reference, other);
    return { a, b, percentAgreement: finite(session.percentAgreement), cohensKappa: finite(session.cohensKappa), mutuallyValidFrames: session.mutuallyValidFrames };
  }

  /** Saves a video's corrected track in `formats`, beside its source. */
  async save(id: string, formats: readonly SaveFormat[]): Promise<string[]> {
    const review = this.review(id);
    if (formats.length === 0) throw new ReviewRequestError(400, 'no format to save in');
    const written = await saveCoding(review.corrected.labels, review.corrected.confidences, { folder: review.folder, stem: review.stem, timing: review.video.timing, inputs: this.inputs }, formats);
    review.journal.append({ type: 'saved', files: written });
    review.unsaved = false;
    return written;
  }

  /** Saves every video edited since its last save, in `formats`. */
  async saveUnsaved(formats: readonly SaveFormat[]): Promise<string[]> {
    const written: string[] = [];
    for (const [id, review] of this.reviews) if (review.unsaved) written.push(...(await this.save(id, formats)));
    return written;
  }

  close(): void {
    for (const review of this.reviews.values()) review.journal.close();
  }
}

// The model archives gazecoder knows by name, and what is in them (icatcher-plus.md §12.1). One home
// for these facts: the fetcher, the cache listing and name resolution all read them from here.

/** What a file of an archive is for. */
export type ModelKind = 'gaze' | 'face-classifier' | 'face-detector';

export interface ModelArchive {
  /** the archive's name in the cache and on the command line */
  name: string;
  /** where it is downloaded from */
  url: string;
  /**
   * The SHA-256 pinned for the download, or null where upstream pins none: iCatcher+'s pooch
   * registry lists `icatcher+_models.zip: None`, and the archive cannot be downloaded where
   * gazecoder is built, so none is pinned here either. Then the hash of the first download is
   * recorded in the cache and printed (`--sha256` pins one).
   */
  sha256: string | null;
  /** the files it holds, by file name (anywhere in the archive: iCatcher+ looks them up by name) */
  files: Readonly<Record<string, ModelKind>>;
  /** what it is, for `models list` */
  description: string;
}

export const ICATCHER_ARCHIVE: ModelArchive = {
  name: 'icatcher+',
  url: 'https://osf.io/h7svp/download',
  sha256: null,
  description: "iCatcher+'s released models (OSF h7svp): gaze models, infant-face classifiers, face detectors",
  files: {
    'icatcher+_lookit_regnet.pth': 'gaze',
    'icatcher+_lookit.pth': 'gaze',
    'icatcher+_bw-cali.pth': 'gaze',
    'icatcher+_senegal.pth': 'gaze',
    'face_classifier_lookit.pth': 'face-classifier',
    'face_classifier_cali-bw.pth': 'face-classifier',
    'face_classifier_senegal.pth': 'face-classifier',
    'Resnet50_Final.pth': 'face-detector',
    'face_model.caffemodel': 'face-detector',
    'config.prototxt': 'face-detector',
  },
};

/** Every archive gazecoder can fetch. */
export const MODEL_ARCHIVES: readonly ModelArchive[] = [ICATCHER_ARCHIVE];

/** The archive named `name`; throws naming the known ones otherwise. */
export function modelArchive(name: string): ModelArchive {
  const archive = MODEL_ARCHIVES.find((a) => a.name === name);
  if (!archive) throw new Error(`${name}: no such model archive (known: ${MODEL_ARCHIVES.map((a) => a.name).join(', ')})`);
  return archive;
}

/**
 * The archive and file a model name stands for: a file name of an archive, with or without its
 * extension (`icatcher+_lookit_regnet`, `icatcher+_lookit_regnet.pth`); undefined for other names.
 */
export function modelByName(name: string): { archive: ModelArchive; file: string; kind: ModelKind } | undefined {
  for (const archive of MODEL_ARCHIVES)
    for (const [file, kind] of Object.entries(archive.files)) if (name === file || name === file.replace(/\.[^.]+$/, '')) return { archive, file, kind };
  return undefined;
}

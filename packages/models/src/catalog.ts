// The model archives gazecoder knows by name, and what is in them (icatcher-plus.md §12.1). One home
// for these facts: the fetcher, the cache listing and name resolution all read them from here.

/** What a file of an archive is for; `image-encoder`: torchvision ImageNet weights for `train --pretrained`. */
export type ModelKind = 'gaze' | 'face-classifier' | 'face-detector' | 'image-encoder';

export interface ModelArchive {
  /** the archive's name in the cache and on the command line */
  name: string;
  /** a zip unpacked into the cache, or one file stored as downloaded */
  format: 'zip' | 'file';
  /** where it is downloaded from */
  url: string;
  /**
   * The SHA-256 pinned for the download, or null where upstream pins none: iCatcher+'s pooch
   * registry lists `icatcher+_models.zip: None`, and the archive cannot be downloaded where
   * gazecoder is built, so none is pinned here either. Then the hash of the first download is
   * recorded in the cache and printed (`--sha256` pins one).
   */
  sha256: string | null;
  /**
   * The start of the SHA-256 upstream pins when it pins no whole hash: torchvision names each weights
   * file by the first 8 hexadecimal digits of its SHA-256, and torch.hub checks them on download.
   */
  sha256Prefix?: string;
  /** the files it holds, by file name (anywhere in the archive: iCatcher+ looks them up by name) */
  files: Readonly<Record<string, ModelKind>>;
  /** what it is, for `models list` */
  description: string;
}

export const ICATCHER_ARCHIVE: ModelArchive = {
  name: 'icatcher+',
  format: 'zip',
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

/** torchvision's ImageNet IMAGENET1K_V2 weights of a RegNet (torchvision/models/regnet.py), as one file. */
function torchvisionWeights(arch: string, file: string, accuracy: string): ModelArchive {
  return {
    name: arch,
    format: 'file',
    url: `https://download.pytorch.org/models/${file}`,
    sha256: null,
    sha256Prefix: /-([0-9a-f]{8})\.pth$/.exec(file)?.[1] as string,
    description: `torchvision's ImageNet weights of ${arch} (IMAGENET1K_V2, top-1 ${accuracy}) for train --pretrained`,
    files: { [file]: 'image-encoder' },
  };
}

/** Every archive gazecoder can fetch. */
export const MODEL_ARCHIVES: readonly ModelArchive[] = [
  ICATCHER_ARCHIVE,
  // iCatcher+'s RegNet model starts from regnet_y_16gf's; 400mf is the small one the benchmarks use.
  torchvisionWeights('regnet_y_16gf', 'regnet_y_16gf-3e4a00f9.pth', '82.9 %'),
  torchvisionWeights('regnet_y_400mf', 'regnet_y_400mf-e6988f5f.pth', '75.8 %'),
];

/** The archive named `name`; throws naming the known ones otherwise. */
export function modelArchive(name: string): ModelArchive {
  const archive = MODEL_ARCHIVES.find((a) => a.name === name);
  if (!archive) throw new Error(`${name}: no such model archive (known: ${MODEL_ARCHIVES.map((a) => a.name).join(', ')})`);
  return archive;
}

/**
 * The archive and file a model name stands for: a file name of an archive, with or without its
 * extension (`icatcher+_lookit_regnet`, `icatcher+_lookit_regnet.pth`), or the name of a one-file
 * archive (`regnet_y_16gf`); undefined for other names.
 */
export function modelByName(name: string): { archive: ModelArchive; file: string; kind: ModelKind } | undefined {
  for (const archive of MODEL_ARCHIVES) {
    const files = Object.entries(archive.files);
    if (archive.format === 'file' && name === archive.name) {
      const [file, kind] = files[0] as [string, ModelKind];
      return { archive, file, kind };
    }
    for (const [file, kind] of files) if (name === file || name === file.replace(/\.[^.]+$/, '')) return { archive, file, kind };
  }
  return undefined;
}

// The review page: one video at a time, played by the browser from the original file, stepped frame
// by frame with ffprobe's frame times; every coding as a timeline; the corrected track edited through
// the server, which journals each edit before it answers.
import type { ClassInfo, CorrectedInfo, ReviewState, SaveFormat, SessionInfo, VideoDetail } from '../src/protocol';
import { labelAt, nextDisagreement, type Runs } from '../src/runs';
import { api } from './api';
import { FrameClock } from './clock';
import { CLASS_COLORS, Timeline, type TimelineModel } from './timeline';

const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;

const video = $<HTMLVideoElement>('video');
const overview = new Timeline($<HTMLCanvasElement>('overview'), 'overview');
const detail = new Timeline($<HTMLCanvasElement>('detail'), 'detail');

interface View {
  detail: VideoDetail;
  clock: FrameClock;
  confidence: Uint8Array | null;
}

let session: SessionInfo;
let view: View | null = null;
let frame = 0;
let anchor: number | null = null;
let classById = new Map<number, string>();
let idByName = new Map<string, number>();
let drawPending = false;

function status(message: string, kind: 'info' | 'error' = 'info'): void {
  const el = $('status');
  el.textContent = message;
  el.dataset.kind = kind;
}

function fail(error: unknown): void {
  status(error instanceof Error ? error.message : String(error), 'error');
}

const className = (id: number): string => classById.get(id) ?? String(id);
const selection = (): [number, number] | null => (anchor === null ? null : [Math.min(anchor, frame), Math.max(anchor, frame) + 1]);

function decodeConfidence(base64: string | null): Uint8Array | null {
  if (base64 === null) return null;
  const text = atob(base64);
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i += 1) bytes[i] = text.charCodeAt(i);
  return bytes;
}

function model(): TimelineModel | null {
  if (!view) return null;
  return {
    frames: view.detail.frames,
    tracks: view.detail.tracks.map((t) => ({ name: t.name, runs: t.runs })),
    confidence: view.confidence,
    colorOf: (label) => CLASS_COLORS[className(label)] ?? '#000',
    frame,
    selection: selection(),
  };
}

/** The panel beside the video: the frame, its time, the selection, each track's class. Cheap: done at once. */
function updatePanel(): void {
  if (!view) return;
  $('frame-number').textContent = String(frame);
  $('frame-time').textContent = `${view.clock.start(frame).toFixed(3)} s`;
  const sel = selection();
  $('selection-info').textContent = sel ? `selected frames ${sel[0]}–${sel[1] - 1} (${sel[1] - sel[0]})` : '';
  const rows = $('frame-classes').querySelector('tbody') as HTMLTableSectionElement;
  view.detail.tracks.forEach((track, i) => {
    const row = rows.rows[i];
    if (!row || !view) return;
    const label = labelAt(track.runs, view.detail.frames, frame, -3);
    const cell = row.cells[1] as HTMLTableCellElement;
    const confidence = track.kind === 'machine' && view.confidence ? view.confidence[frame] : undefined;
    cell.textContent = `${className(label)}${confidence !== undefined && confidence !== 255 ? ` ${(confidence / 250).toFixed(2)}` : ''}`;
    cell.dataset.class = className(label);
    cell.style.color = label >= 0 ? (CLASS_COLORS[className(label)] ?? '') : '#6b778a';
  });
}

/** The timelines: once per animation frame at most. */
function draw(): void {
  drawPending = false;
  const m = model();
  if (!m) return;
  const started = performance.now();
  overview.draw(m);
  detail.draw(m);
  document.body.dataset.drawMs = (performance.now() - started).toFixed(2);
}

function redraw(): void {
  updatePanel();
  if (drawPending) return;
  drawPending = true;
  requestAnimationFrame(draw);
}

let hashTimer: number | undefined;
let hashWritten = 0;
/** The video and frame in the URL's fragment, so that a reload comes back to them (at most every 200 ms while playing). */
function rememberPlace(): void {
  if (!view) return;
  const id = view.detail.id;
  const write = () => {
    hashTimer = undefined;
    hashWritten = performance.now();
    history.replaceState(null, '', `#v=${encodeURIComponent(id)}&f=${frame}`);
  };
  if (hashTimer !== undefined) return;
  const wait = hashWritten + 200 - performance.now();
  if (wait <= 0) write();
  else hashTimer = window.setTimeout(write, wait);
}

let seekRetries = 0;
let retryTimer: number | undefined;

/** Seeks the video to the middle of frame f; body[data-seek] is 'done' once it shows it. */
function seek(f: number): void {
  if (!view) return;
  seekRetries = 0;
  window.clearTimeout(retryTimer);
  document.body.dataset.seek = 'pending';
  video.currentTime = view.clock.seekTime(f);
}

/**
 * A seek past what the browser first takes as the video's end is cut short (a container whose stated
 * duration leaves its last frame out); the browser finds the real end while it seeks, so seek again.
 */
function onSeeked(): void {
  if (!view || !video.paused) return;
  if (video.currentTime + 1e-3 < view.clock.start(frame) && seekRetries < 5) {
    seekRetries += 1;
    const f = frame;
    retryTimer = window.setTimeout(() => {
      if (view && f === frame && video.paused) video.currentTime = view.clock.seekTime(f);
    }, 20 * seekRetries);
    return;
  }
  document.body.dataset.seek = 'done';
}

/** Shows frame f: the state, the display, and the video seeked to the middle of the frame. */
function goTo(f: number, options: { extend?: boolean; seek?: boolean } = {}): void {
  if (!view) return;
  const target = Math.min(Math.max(Math.round(f), 0), view.detail.frames - 1);
  if (options.extend) anchor ??= frame;
  else anchor = null;
  frame = target;
  if (options.seek !== false) {
    if (!video.paused) video.pause();
    seek(frame);
  }
  redraw();
  rememberPlace();
}

function onFrame(_now: number, metadata: VideoFrameCallbackMetadata): void {
  if (view && !video.paused) {
    frame = view.clock.frameAt(metadata.mediaTime);
    redraw();
    rememberPlace();
  }
  if (!video.paused) video.requestVideoFrameCallback(onFrame);
}

function togglePlay(): void {
  if (!view) return;
  if (video.paused) {
    anchor = null;
    void video.play().catch(fail);
  } else video.pause();
}

function renderVideoList(): void {
  const list = $('videos');
  list.replaceChildren(
    ...session.videos.map((v) => {
      const item = document.createElement('li');
      item.dataset.id = v.id;
      item.dataset.state = v.state;
      item.className = view?.detail.id === v.id ? 'current' : '';
      const name = document.createElement('span');
      name.textContent = v.name;
      const state = document.createElement('span');
      state.className = 'state';
      state.textContent = `${v.state} · ${v.frames} frames`;
      item.append(name, state);
      item.addEventListener('click', () => void openVideo(v.id, 0).catch(fail));
      return item;
    }),
  );
}

function setState(id: string, state: ReviewState): void {
  const summary = session.videos.find((v) => v.id === id);
  if (summary) summary.state = state;
  renderVideoList();
  $('done').textContent = state === 'done' ? 'mark not done' : 'mark done';
}

function updateCorrected(info: CorrectedInfo): void {
  if (!view) return;
  const track = view.detail.tracks.find((t) => t.kind === 'corrected');
  if (track) track.runs = info.runs;
  view.detail.corrected = info;
  $<HTMLButtonElement>('undo').disabled = !info.canUndo;
  $<HTMLButtonElement>('redo').disabled = !info.canRedo;
  setState(view.detail.id, info.state);
  overview.invalidate();
  redraw();
}

function fillTrackSelects(): void {
  if (!view) return;
  const tracks = view.detail.tracks;
  const human = tracks.find((t) => t.kind === 'human');
  const machine = tracks.find((t) => t.kind === 'machine');
  const defaults: [string, string] = [(human ?? machine ?? tracks[0])!.id, human && machine ? machine.id : 'corrected'];
  (['track-a', 'track-b'] as const).forEach((id, i) => {
    const select = $<HTMLSelectElement>(id);
    select.replaceChildren(
      ...tracks.map((t) => {
        const option = document.createElement('option');
        option.value = t.id;
        option.textContent = t.name;
        return option;
      }),
    );
    select.value = defaults[i] as string;
  });
}

async function refreshAgreement(): Promise<void> {
  if (!view) return;
  const a = $<HTMLSelectElement>('track-a').value;
  const b = $<HTMLSelectElement>('track-b').value;
  const el = $('agreement-value');
  if (a === b) {
    el.textContent = 'choose two different tracks';
    return;
  }
  const result = await api.agreement(view.detail.id, a, b);
  const fmt = (x: number | null) => (x === null ? 'n/a' : x.toFixed(3));
  el.textContent = `agreement ${fmt(result.percentAgreement)} · κ ${fmt(result.cohensKappa)} (${result.mutuallyValidFrames} frames)`;
  el.dataset.agreement = String(result.percentAgreement);
  el.dataset.kappa = String(result.cohensKappa);
}

async function openVideo(id: string, startFrame: number): Promise<void> {
  document.body.dataset.ready = '0';
  video.pause();
  const detailInfo = await api.video(id);
  view = { detail: detailInfo, clock: new FrameClock(detailInfo.timing, detailInfo.frames), confidence: decodeConfidence(detailInfo.confidence) };
  frame = Math.min(Math.max(0, startFrame), detailInfo.frames - 1);
  anchor = null;
  overview.invalidate();
  $('frame-count').textContent = String(detailInfo.frames - 1);
  $<HTMLInputElement>('goto').max = String(detailInfo.frames - 1);
  $('warnings').textContent = detailInfo.warnings.join('; ');
  const rows = $('frame-classes').querySelector('tbody') as HTMLTableSectionElement;
  rows.replaceChildren(
    ...detailInfo.tracks.map((t) => {
      const row = document.createElement('tr');
      row.dataset.track = t.id;
      const name = document.createElement('td');
      name.textContent = t.name;
      row.append(name, document.createElement('td'));
      (row.cells[1] as HTMLTableCellElement).className = 'class';
      return row;
    }),
  );
  fillTrackSelects();
  updateCorrected(detailInfo.corrected);
  const loaded = new Promise<void>((resolve, reject) => {
    video.onloadedmetadata = () => resolve();
    video.onerror = () => reject(new Error(`the browser cannot play ${detailInfo.name} (${video.error?.message ?? 'unsupported format'}); convert it, e.g. ffmpeg -i in -c:v libx264 -pix_fmt yuv420p out.mp4`));
  });
  video.src = api.mediaUrl(id);
  video.playbackRate = Number($<HTMLSelectElement>('speed').value);
  await loaded;
  seek(frame);
  updatePanel();
  draw();
  await refreshAgreement().catch(fail);
  status(`${detailInfo.name}: ${detailInfo.frames} frames, ${detailInfo.timing.kind === 'vfr' ? 'variable frame rate' : `${detailInfo.timing.fps.toFixed(3)} fps`}`);
  rememberPlace();
  document.body.dataset.ready = '1';
}

async function edit(op: Parameters<typeof api.edit>[1]): Promise<void> {
  if (!view) return;
  const info = await api.edit(view.detail.id, op);
  updateCorrected(info);
  const a = $<HTMLSelectElement>('track-a').value;
  const b = $<HTMLSelectElement>('track-b').value;
  if (a === 'corrected' || b === 'corrected') await refreshAgreement();
}

function setClass(name: string): void {
  const label = idByName.get(name);
  if (!view || label === undefined) return;
  const [start, end] = selection() ?? [frame, frame + 1];
  void edit({ type: 'set', start, end, label })
    .then(() => status(`frames ${start}–${end - 1} set to ${name}`))
    .catch(fail);
}

function checkedFormats(): SaveFormat[] {
  return [...document.querySelectorAll<HTMLInputElement>('#formats input:checked')].map((i) => i.value as SaveFormat);
}

async function save(): Promise<void> {
  if (!view) return;
  const formats = checkedFormats();
  if (formats.length === 0) throw new Error('choose at least one format to save in');
  const { written } = await api.save(view.detail.id, formats);
  view.detail.corrected.unsaved = false;
  status(`saved ${written.join(', ')}`);
}

function nextLowConfidence(): void {
  if (!view?.confidence) return status('no machine confidence for this video');
  const threshold = Math.round(Number($<HTMLInputElement>('threshold').value) * 250);
  const conf = view.confidence;
  for (let f = frame + 1; f < conf.length; f += 1) {
    if ((conf[f] as number) < threshold) {
      goTo(f);
      return status(`frame ${f}: confidence ${((conf[f] as number) / 250).toFixed(2)}`);
    }
  }
  status(`no frame after ${frame} has a confidence below ${(threshold / 250).toFixed(2)}`);
}

function runsOf(trackId: string): Runs | undefined {
  return view?.detail.tracks.find((t) => t.id === trackId)?.runs;
}

function gotoNextDisagreement(): void {
  if (!view) return;
  const a = runsOf($<HTMLSelectElement>('track-a').value);
  const b = runsOf($<HTMLSelectElement>('track-b').value);
  if (!a || !b) return;
  const f = nextDisagreement(a, b, view.detail.frames, frame);
  if (f < 0) return status(`A and B agree on every frame after ${frame}`);
  goTo(f);
  status(`frame ${f}: A ${className(labelAt(a, view.detail.frames, f, -3))}, B ${className(labelAt(b, view.detail.frames, f, -3))}`);
}

const KEY_CLASSES: Record<string, string> = { l: 'left', r: 'right', a: 'away', n: 'none' };

function onKey(event: KeyboardEvent): void {
  const target = event.target as HTMLElement;
  if ((target.tagName === 'INPUT' && (target as HTMLInputElement).type !== 'range' && (target as HTMLInputElement).type !== 'checkbox') || target.tagName === 'SELECT') {
    if (event.key === 'Escape') target.blur();
    return;
  }
  const key = event.key.toLowerCase();
  const ctrl = event.ctrlKey || event.metaKey;
  let handled = true;
  if (event.key === 'ArrowRight') goTo(frame + 1, { extend: event.shiftKey });
  else if (event.key === 'ArrowLeft') goTo(frame - 1, { extend: event.shiftKey });
  else if (event.key === ' ') togglePlay();
  else if (ctrl && key === 'z' && !event.shiftKey) void edit({ type: 'undo' }).catch(fail);
  else if (ctrl && (key === 'y' || (key === 'z' && event.shiftKey))) void edit({ type: 'redo' }).catch(fail);
  else if (ctrl && key === 's') void save().catch(fail);
  else if (!ctrl && KEY_CLASSES[key]) setClass(KEY_CLASSES[key] as string);
  else if (!ctrl && key === 'c') nextLowConfidence();
  else if (!ctrl && key === 'd') gotoNextDisagreement();
  else if (!ctrl && key === 'g') $<HTMLInputElement>('goto').focus();
  else if (event.key === 'Escape') {
    anchor = null;
    redraw();
  } else handled = false;
  if (handled) event.preventDefault();
}

function pointerScrub(timeline: Timeline, canvas: HTMLCanvasElement): void {
  let dragging = false;
  let pendingFrame: number | null = null;
  const apply = () => {
    if (pendingFrame !== null) goTo(pendingFrame, { extend: true });
    pendingFrame = null;
  };
  canvas.addEventListener('pointerdown', (event) => {
    if (!view) return;
    dragging = true;
    canvas.setPointerCapture(event.pointerId);
    const f = timeline.frameAt(event.clientX, view.detail.frames);
    if (event.shiftKey) goTo(f, { extend: true });
    else {
      goTo(f);
      anchor = null;
    }
  });
  canvas.addEventListener('pointermove', (event) => {
    if (!dragging || !view) return;
    // one seek per animation frame however fast the pointer moves: scrubbing stays smooth
    const first = pendingFrame === null;
    pendingFrame = timeline.frameAt(event.clientX, view.detail.frames);
    if (first) requestAnimationFrame(apply);
  });
  canvas.addEventListener('pointerup', () => {
    dragging = false;
    if (anchor === frame) anchor = null;
    redraw();
  });
}

function setUp(): void {
  classById = new Map(session.classes.map((c: ClassInfo) => [c.id, c.name]));
  idByName = new Map(session.classes.map((c: ClassInfo) => [c.name, c.id]));
  $('legend').replaceChildren(
    ...session.classes.map((c) => {
      const item = document.createElement('span');
      item.textContent = c.name;
      item.style.setProperty('--c', CLASS_COLORS[c.name] ?? '#000');
      return item;
    }),
  );
  $('formats').replaceChildren(
    ...session.formats.map((format) => {
      const label = document.createElement('label');
      const box = document.createElement('input');
      box.type = 'checkbox';
      box.value = format;
      box.checked = session.defaultFormats.includes(format);
      label.append(box, ` ${format}`);
      return label;
    }),
  );
  document.addEventListener('keydown', onKey);
  $('prev').addEventListener('click', () => goTo(frame - 1));
  $('next').addEventListener('click', () => goTo(frame + 1));
  $('play').addEventListener('click', togglePlay);
  video.addEventListener('play', () => {
    $('play').textContent = 'pause';
    video.requestVideoFrameCallback(onFrame);
  });
  video.addEventListener('seeked', onSeeked);
  video.addEventListener('pause', () => {
    $('play').textContent = 'play';
    redraw();
  });
  $<HTMLSelectElement>('speed').addEventListener('change', (e) => (video.playbackRate = Number((e.target as HTMLSelectElement).value)));
  $<HTMLInputElement>('goto').addEventListener('change', (e) => {
    const input = e.target as HTMLInputElement;
    if (input.value !== '') goTo(Number(input.value));
    input.blur();
  });
  const threshold = $<HTMLInputElement>('threshold');
  threshold.addEventListener('input', () => ($('threshold-value').textContent = Number(threshold.value).toFixed(2)));
  $('next-low').addEventListener('click', nextLowConfidence);
  $('next-disagreement').addEventListener('click', gotoNextDisagreement);
  for (const id of ['track-a', 'track-b']) $(id).addEventListener('change', () => void refreshAgreement().catch(fail));
  for (const button of document.querySelectorAll<HTMLButtonElement>('button.set')) button.addEventListener('click', () => setClass(button.dataset.class as string));
  $('undo').addEventListener('click', () => void edit({ type: 'undo' }).catch(fail));
  $('redo').addEventListener('click', () => void edit({ type: 'redo' }).catch(fail));
  $('save').addEventListener('click', () => void save().catch(fail));
  $('done').addEventListener('click', () => {
    if (!view) return;
    void edit({ type: 'state', state: view.detail.corrected.state === 'done' ? 'in progress' : 'done' }).catch(fail);
  });
  pointerScrub(overview, $<HTMLCanvasElement>('overview'));
  pointerScrub(detail, $<HTMLCanvasElement>('detail'));
  window.addEventListener('resize', () => {
    overview.invalidate();
    redraw();
  });
}

async function main(): Promise<void> {
  session = await api.session();
  setUp();
  renderVideoList();
  const place = new URLSearchParams(location.hash.slice(1));
  const wanted = place.get('v');
  const first = session.videos.find((v) => v.id === wanted) ?? session.videos[0];
  if (!first) return status('no video to review');
  await openVideo(first.id, Number(place.get('f') ?? 0) || 0);
}

main().catch(fail);

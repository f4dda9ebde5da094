// The progress pieces on fake streams: JSON lines and their throttling, the terminal's live block.
import { Writable } from 'node:stream';

import { bar, duration, JsonLinesProgress, LiveLines, TerminalProgress, Throttle } from '../src';

/** A stream that keeps what is written, with a terminal's width. */
function sink(columns = 80): { stream: NodeJS.WriteStream; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk.toString());
      done();
    },
  }) as unknown as NodeJS.WriteStream;
  stream.columns = columns;
  return { stream, text: () => chunks.join('') };
}

describe('@gazecoder/progress', () => {
  it('draws bars and remaining times', () => {
    expect(bar(0.5, 10)).toBe('[#####-----]');
    expect(bar(2, 4)).toBe('[####]');
    expect(duration(65)).toBe('1:05');
    expect(duration(3723)).toBe('1:02:03');
    expect(duration(NaN)).toBe('--:--');
  });

  it('throttles per key, and lets a forced report through', () => {
    const t = new Throttle(1000);
    expect(t.ready('a', false, 5000)).toBe(true);
    expect(t.ready('a', false, 5500)).toBe(false);
    expect(t.ready('b', false, 5500)).toBe(true);
    expect(t.ready('a', true, 5600)).toBe(true);
    expect(t.ready('a', false, 6500)).toBe(false);
    expect(t.ready('a', false, 6600)).toBe(true);
  });

  it('writes a video run as JSON lines with their field names', () => {
    const out = sink();
    const p = new JsonLinesProgress(out.stream);
    p.begin(2, 1);
    p.videoStarted('v1');
    p.videoProgress('v1', 10, 20);
    p.videoProgress('v1', 15, 20); // within 2 s of the last: skipped
    p.videoDone('v1', 20, 18);
    p.videoStarted('v2');
    p.videoFailed('v2', 'broken');
    p.end();
    const lines = out.text().trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.map((l) => l.event)).toEqual(['begin', 'start', 'progress', 'done', 'start', 'failed', 'end']);
    expect(lines[0]).toEqual({ event: 'begin', videos: 2, alreadyDone: 1 });
    expect(Object.keys(lines[2] as object)).toEqual(['event', 'video', 'frame', 'frames', 'fps', 'etaSeconds']);
    expect(lines[3]).toEqual({ event: 'done', video: 'v1', frames: 20, crops: 18, finished: 1, of: 2 });
    expect(lines[5]).toEqual({ event: 'failed', video: 'v2', error: 'broken', finished: 2, of: 2 });
    expect(lines[6]).toEqual({ event: 'end', finished: 2, failed: 1, frames: 15 });
  });

  it('redraws the live block in place, under permanent lines, cut to the terminal width', () => {
    const out = sink(12);
    let lines = ['a', 'b'];
    const screen = new LiveLines(out.stream, () => lines);
    screen.draw(true);
    expect(out.text()).toBe('\x1b[2Ka\n\x1b[2Kb\n');
    lines = ['0123456789abcdef'];
    screen.draw(true); // two lines up, one line, the left-over line cleared
    expect(out.text().slice('\x1b[2Ka\n\x1b[2Kb\n'.length)).toBe('\x1b[2F\x1b[2K0123456789a\n\x1b[0J\n');
    const before = out.text().length;
    screen.log('done');
    expect(out.text().slice(before)).toBe('\x1b[2F\x1b[0Jdone\n\x1b[2K0123456789a\n');
    lines = [];
    screen.draw(true); // an empty block: erased, nothing drawn
    expect(out.text().endsWith('\x1b[1F\x1b[0J')).toBe(true);
  });

  it('shows running videos and the total on a terminal', () => {
    const out = sink(100);
    const p = new TerminalProgress(out.stream);
    p.begin(2, 0);
    p.videoStarted('video-one');
    p.videoDone('video-one', 30, 30);
    p.end();
    expect(out.text()).toContain('done   video-one: 30 frames, 30 crops\n');
    expect(out.text()).toMatch(/total {9}\[#{10}-{10}\] 1\/2 videos \d+ fps ETA /);
  });
});

// VCX (plist XML) codings, as iCatcher+'s VCXParser reads them (icatcher-plus.md §3.3).
import { frameLabels, parseVcxCoding } from '../src';

function response(index: number, frame: number, second: number, status: boolean, type: string): string {
  return `<key>Response ${index}</key>
    <dict>
      <key>Frame</key><integer>${frame}</integer>
      <key>Hour</key><integer>0</integer>
      <key>Minute</key><integer>0</integer>
      <key>Second</key><integer>${second}</integer>
      <key>Trial Status</key>${status ? '<true/>' : '<false/>'}
      <key>Type</key><string>${type}</string>
    </dict>`;
}

const vcx = (...responses: string[]): string => `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
<dict>
  <key>Subject</key><string>s&amp;1</string>
  <!-- responses are not in index order in the file -->
  <key>Responses</key>
  <dict>
    ${responses.join('\n    ')}
  </dict>
</dict>
</plist>`;

const FILE = vcx(response(2, 15, 1, true, 'right'), response(1, 10, 0, true, 'left'), response(3, 0, 2, true, 'off'), response(4, 20, 2, false, 'away'));
const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);
const run = (label: number, from: number, to: number): number[] => Array.from({ length: to - from }, () => label);

describe('VCX codings', () => {
  it('orders responses by index, times them at 30 fps, maps off to away, ends trials at false statuses', () => {
    const c = parseVcxCoding(FILE, {}, 's1.vcx');
    expect(c.changes).toEqual([
      { at: 10, valid: true, gaze: 'left' },
      { at: 45, valid: true, gaze: 'right' }, // 15 + 1 s · 30
      { at: 60, valid: true, gaze: 'away' }, // 'off'
      { at: 80, valid: false, gaze: 'away' },
    ]);
    expect(c.start).toBe(10);
    expect(c.trials).toEqual([[10, 80]]);
    expect(Array.from(frameLabels(c, range(85)))).toEqual([...run(-2, 0, 10), ...run(1, 10, 45), ...run(2, 45, 60), ...run(0, 60, 80), ...run(-2, 80, 85)]);
  });

  it('subtracts the video-start timestamp HH:MM:SS:FF', () => {
    const c = parseVcxCoding(FILE, { videoStart: '00:00:00:05' }, 's1.vcx');
    expect(c.changes.map((x) => x.at)).toEqual([5, 40, 55, 75]);
    expect(c.end).toBe(75);
  });

  it.each([
    ['no Responses element', '<plist><dict><key>Other</key></dict></plist>', /s1\.vcx: no 'Responses' element/],
    ['broken XML', '<plist><dict></plist>', /s1\.vcx: malformed XML .*does not match/],
    ['no trial end', vcx(response(1, 10, 0, true, 'left')), /s1\.vcx: no response with a false trial status/],
    ['an unknown look type', vcx(response(1, 10, 0, true, 'up'), response(2, 0, 1, false, 'away')), /s1\.vcx: Response 1: gaze type 'up'/],
    ['two responses at one frame', vcx(response(1, 10, 0, true, 'left'), response(2, 10, 0, false, 'away')), /s1\.vcx: Response 2: two responses at frame 10/],
    ['a Frame that is blank', vcx(response(1, 10, 0, true, 'left'), response(2, 0, 1, false, 'away')).replace('<integer>10</integer>', '<integer> </integer>'), /s1\.vcx: Response 1: field 'Frame' is missing or not an integer/],
    ['a Frame in hexadecimal', vcx(response(1, 10, 0, true, 'left'), response(2, 0, 1, false, 'away')).replace('<integer>10</integer>', '<integer>0xA</integer>'), /s1\.vcx: Response 1: field 'Frame' is missing or not an integer/],
    // Hostile XML: what ElementTree refuses is a named error, never a RangeError from deep inside.
    ['a character reference beyond Unicode', FILE.replace('s&amp;1', 's&#x110000;1'), /s1\.vcx: malformed XML at offset \d+: character reference &#x110000; is not a valid XML character/],
    ['a NUL character reference', FILE.replace('s&amp;1', 's&#0;1'), /s1\.vcx: malformed XML .*&#0; is not a valid XML character/],
    ['an undefined entity', FILE.replace('s&amp;1', 's&nbsp;1'), /s1\.vcx: malformed XML .*undefined entity &nbsp;/],
    ['a bare ampersand', FILE.replace('s&amp;1', 's & 1'), /s1\.vcx: malformed XML .*'&' that does not start an entity/],
    ['text before the root', `junk${FILE.slice(FILE.indexOf('<plist'))}`, /s1\.vcx: malformed XML at offset 0: text "junk" outside the root element/],
    ['text after the root before a comment', `${FILE}\ntrailing<!-- x -->`, /s1\.vcx: malformed XML .*text "trailing" outside the root element/],
    ['an unclosed tag', FILE.replace('</plist>', ''), /s1\.vcx: malformed XML .*<plist> is not closed/],
    ['an empty file', '', /s1\.vcx: malformed XML .*no root element/],
  ])('%s is an error naming the file', (_, text, message) => {
    expect(() => parseVcxCoding(text, {}, 's1.vcx')).toThrow(message);
  });
});

describe('hostile VCX files', () => {
  it('walks 200 000 nested elements without overflowing the stack', () => {
    const depth = 200_000;
    const text = `${'<a>'.repeat(depth)}${'</a>'.repeat(depth)}`;
    expect(() => parseVcxCoding(text, {}, 'deep.vcx')).toThrow(/deep\.vcx: no 'Responses' element/);
  });

  it('reads a byte-order mark and CRLF line breaks like a plain file', () => {
    expect(parseVcxCoding(`\uFEFF${FILE.replace(/\n/g, '\r\n')}`, {}, 's1.vcx')).toEqual(parseVcxCoding(FILE, {}, 's1.vcx'));
  });
});

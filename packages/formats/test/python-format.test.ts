// Our Python float formats against Python itself: "{:.02f}" (raw_output) and "{:.02}" (ui labels.txt).
import { spawnSync } from 'node:child_process';

import { formatFixed2, formatGeneral2 } from '../src';

/** Every float32 confidence iCatcher+ can print lies in [1/3, 1]; −1 marks no prediction. */
function samples(): number[] {
  const values = [-1, 0, 1, 0.125, 0.375, 0.625, 0.875, 0.335, 0.345, 0.995, 0.9951, 0.994999, 0.5, 0.05 + 0.3];
  for (let i = 0; i <= 2000; i += 1) values.push(Math.fround(1 / 3 + (i / 2000) * (2 / 3)));
  for (let k = 34; k <= 100; k += 1) values.push(k / 100, (k - 0.5) / 100, Math.fround((k - 0.5) / 100));
  return values;
}

it('formats confidences exactly as Python does, ties to even included', () => {
  const values = samples();
  const script = "import sys, json\nfor x in map(float, json.load(sys.stdin)): print('{:.02f}|{:.02}'.format(x, x))";
  const run = spawnSync('/usr/bin/python3', ['-c', script], { input: JSON.stringify(values), encoding: 'utf8' });
  expect(run.stderr).toBe('');
  const expected = run.stdout.trim().split('\n');
  const ours = values.map((x) => `${formatFixed2(x)}|${formatGeneral2(x)}`);
  ours.forEach((line, i) => expect(`${values[i]}: ${line}`).toBe(`${values[i]}: ${expected[i]}`));
});

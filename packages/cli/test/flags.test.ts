// The flag-consistency helpers that commands share: which combinations they refuse and what they say.
import { exclusive, flagName, requires, splitArchList } from '../src/flags';

interface Flags {
  backbone?: boolean;
  gaze?: boolean;
  numClasses?: number;
  input?: string;
  output?: string;
}

describe('flagName', () => {
  it('writes an option key as typed on the command line', () => {
    expect(flagName('numClasses')).toBe('--num-classes');
    expect(flagName('channelsLast')).toBe('--channels-last');
    expect(flagName('gaze')).toBe('--gaze');
  });
});

describe('exclusive', () => {
  it('lets one flag through and names every clashing one', () => {
    expect(() => exclusive<Flags>({ backbone: true }, ['backbone', 'gaze'])).not.toThrow();
    expect(() => exclusive<Flags>({ backbone: true, gaze: false, numClasses: undefined }, ['backbone', 'gaze', 'numClasses'])).not.toThrow();
    expect(() => exclusive<Flags>({ backbone: true, gaze: true }, ['backbone', 'gaze'])).toThrow(new Error('--backbone and --gaze exclude each other'));
    expect(() => exclusive<Flags>({ backbone: true, gaze: true, input: 'x.npy' }, ['backbone', 'gaze', 'input'])).toThrow(new Error('--backbone, --gaze and --input exclude each other'));
  });

  it('counts 0 and empty values as given (only undefined and false are absent), and takes a message', () => {
    expect(() => exclusive<Flags>({ numClasses: 0, gaze: true }, ['numClasses', 'gaze'], 'why not')).toThrow(new Error('why not'));
  });
});

describe('requires', () => {
  it('refuses a flag without the one it needs, and nothing else', () => {
    expect(() => requires<Flags>({}, 'input', 'output')).not.toThrow();
    expect(() => requires<Flags>({ input: 'x.npy', output: 'y.npy' }, 'input', 'output')).not.toThrow();
    expect(() => requires<Flags>({ output: 'y.npy' }, 'input', 'output')).not.toThrow();
    expect(() => requires<Flags>({ input: 'x.npy' }, 'input', 'output')).toThrow(new Error('--input needs --output'));
    expect(() => requires<Flags>({ numClasses: 3, backbone: false }, 'numClasses', 'backbone', '--num-classes applies to --backbone models only')).toThrow(
      new Error('--num-classes applies to --backbone models only'),
    );
  });
});

describe('splitArchList', () => {
  it('splits names on commas and keeps the commas of a custom RegNet spec', () => {
    expect(splitArchList('regnet_y_16gf,regnet_y_400mf')).toEqual(['regnet_y_16gf', 'regnet_y_400mf']);
    expect(splitArchList('regnet:depth=3,w0=16,wa=8,wm=2,group=8,se=0.25')).toEqual(['regnet:depth=3,w0=16,wa=8,wm=2,group=8,se=0.25']);
    expect(splitArchList('regnet_y_400mf, regnet:depth=3,w0=16 ,regnet_y_800mf,')).toEqual(['regnet_y_400mf', 'regnet:depth=3,w0=16', 'regnet_y_800mf']);
    expect(splitArchList('regnet:depth=3,w0=16,regnet:depth=4,w0=24')).toEqual(['regnet:depth=3,w0=16', 'regnet:depth=4,w0=24']);
  });
});

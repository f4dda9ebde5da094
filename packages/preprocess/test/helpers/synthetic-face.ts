// The drawn faces live in @gazecoder/synth; this path stays for tests elsewhere that import it.
export { drawFace, identity, rng, type Gaze, type Identity } from '../../../synth/src';

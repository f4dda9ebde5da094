// A dependency-free package (below torch, preprocess and report alike) so that every package writes
// its files the same atomic way without pulling in the others.
export { tempSibling, writeFileAtomic, writeFileAtomicSync } from './atomic-write';
// The .npy preamble, shared by @gazecoder/preprocess's and @gazecoder/torch's readers.
export { readNpyHeader, type NpyHeader } from './npy-header';

/** The addon file this package loads: its own build when there is one, else the prebuilt platform package's. */
export function addonPath(): string;
/**
 * Loads the addon (Node caches it). A missing or unloadable addon throws an Error that names the file
 * and how to rebuild it; `@gazecoder/torch` types what it returns.
 */
export function loadAddon(): unknown;

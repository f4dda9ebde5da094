#pragma once
// The text files of a run folder: config.json (replaced atomically) and metrics.jsonl (appended line
// by line, and cut back to a checkpoint's progress on --resume).
#include <cstdint>
#include <string>

namespace gazecoder::train {

// Writes `text` to a temp file beside `path`, then renames it over `path`.
void writeTextAtomically(const std::string& path, const std::string& text);

// Appends one line and flushes it to the file.
void appendLine(const std::string& path, const std::string& line);

// Removes the temp files that a killed run left beside the run's files (`<name>.tmp-<pid>` of a
// process no longer running).
void removeStaleTempFiles(const std::string& dir);

// Keeps the metrics.jsonl lines a checkpoint covers: step lines up to `step`, epoch lines up to epoch
// `epochsDone` (1-based); later ones are redone by the resumed run. A last line without its newline
// (a kill in the middle of appending it) is dropped.
void truncateMetrics(const std::string& path, int64_t step, int64_t epochsDone);

}  // namespace gazecoder::train

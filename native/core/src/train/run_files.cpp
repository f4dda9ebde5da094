#include "run_files.h"

#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace gazecoder::train {
namespace {

std::runtime_error fileError(const std::string& path, const std::string& what) {
  return std::runtime_error(path + ": " + what + ": " + std::strerror(errno));
}

// The integer after "key": in one of our own JSON lines, or -1.
int64_t field(const std::string& line, const std::string& key) {
  const auto at = line.find("\"" + key + "\":");
  return at == std::string::npos ? -1 : std::strtoll(line.c_str() + at + key.size() + 3, nullptr, 10);
}

}  // namespace

void writeTextAtomically(const std::string& path, const std::string& text) {
  const std::string temp = path + ".tmp-" + std::to_string(::getpid());
  {
    std::ofstream out(temp, std::ios::binary | std::ios::trunc);
    if (!out) throw fileError(temp, "cannot create");
    out << text;
    out.flush();
    if (!out) throw fileError(temp, "cannot write");
  }
  if (std::rename(temp.c_str(), path.c_str()) != 0) {
    std::remove(temp.c_str());
    throw fileError(path, "cannot replace");
  }
}

void appendLine(const std::string& path, const std::string& line) {
  std::ofstream out(path, std::ios::binary | std::ios::app);
  if (!out) throw fileError(path, "cannot open for appending");
  out << line << '\n';
  out.flush();
  if (!out) throw fileError(path, "cannot write");
}

void removeStaleTempFiles(const std::string& dir) {
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    for (const char* file : {"last.pth", "best.pth", "config.json", "metrics.jsonl"}) {
      const std::string prefix = std::string(file) + ".tmp-";
      if (name.rfind(prefix, 0) != 0) continue;
      char* end = nullptr;
      const long pid = std::strtol(name.c_str() + prefix.size(), &end, 10);
      if (pid <= 0 || *end != '\0') continue;
      if (::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH) std::filesystem::remove(entry.path(), ec);
    }
  }
}

void truncateMetrics(const std::string& path, int64_t step, int64_t epochsDone) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return;
  std::ostringstream kept;
  std::string line;
  while (std::getline(in, line)) {
    if (in.eof()) break;  // no newline: cut short by a kill
    if (line.empty()) continue;
    const bool isEpoch = line.find("\"type\":\"epoch\"") != std::string::npos;
    const bool keep = isEpoch ? field(line, "epoch") <= epochsDone : field(line, "step") <= step;
    if (keep) kept << line << '\n';
  }
  in.close();
  writeTextAtomically(path, kept.str());
}

}  // namespace gazecoder::train

#pragma once
// What a run tells as it goes: config.json (the settings and the data), the lines of metrics.jsonl (a
// step line every logEvery steps, averaging their loss, and an epoch line per epoch), and the start
// and step events of the caller's sink. Rank 0 alone writes the files.
#include <string>

#include "gazecoder/train/trainer.h"
#include "training_run.h"

namespace gazecoder::train {

class MetricsLog {
 public:
  MetricsLog(const TrainingRun& run, const EventSink& sink);

  // A fresh run: drops the lines of a run killed before its first checkpoint, which this run redoes.
  void startFresh();
  // A resumed run: keeps the lines that its checkpoint covers.
  void resumeAt(const Progress& progress);
  // config.json, then the StartEvent.
  void start(bool resumed);
  // A step: its loss joins the running average of the next step line (kept in `progress`, so that a
  // resumed run averages what the uninterrupted one would), the line when due, then the StepEvent.
  void step(const StepEvent& e, Progress& progress);
  // The epoch's line.
  void epochLine(const EpochEvent& e);

 private:
  void writeConfig();

  const TrainingRun& run_;
  const EventSink& sink_;
  std::string metricsPath_, configPath_;
};

}  // namespace gazecoder::train

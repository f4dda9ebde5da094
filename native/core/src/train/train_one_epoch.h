#pragma once
// One epoch of training (torchvision's train_one_epoch): the rest of the current epoch's batches,
// each a training step, a step event and line, and every checkpointEvery steps a mid-epoch last.pth.
#include "checkpointer.h"
#include "metrics_log.h"
#include "training_run.h"

namespace gazecoder::train {

// False when stopped before the epoch's last batch (last.pth then holds the run up to that step).
bool trainOneEpoch(TrainingRun& run, Checkpointer& checkpointer, MetricsLog& log);

}  // namespace gazecoder::train

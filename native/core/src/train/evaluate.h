#pragma once
// Validation at an epoch's end (torchvision's evaluate): loss, accuracy, per-class accuracy and the
// confusion matrix over the val split, summed across a job's ranks.
#include "checkpointer.h"
#include "gazecoder/train/trainer.h"
#include "training_run.h"

namespace gazecoder::train {

// Fills the val* members of `e`. False when stopped (last.pth then says: this epoch's training done,
// its validation to redo).
bool evaluate(TrainingRun& run, Checkpointer& checkpointer, EpochEvent& e);

}  // namespace gazecoder::train

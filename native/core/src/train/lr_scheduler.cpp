#include "gazecoder/train/lr_scheduler.h"

#include <algorithm>
#include <limits>

#include "ivalue.h"

namespace gazecoder::train {

ReduceLrOnPlateau::ReduceLrOnPlateau(const PlateauOptions& options)
    : options_(options), best_(std::numeric_limits<double>::infinity()) {}

double ReduceLrOnPlateau::step(double metric, double lr) {
  // torch.optim.lr_scheduler.ReduceLROnPlateau.step, mode 'min', threshold_mode 'rel'.
  ++lastEpoch_;
  if (metric < best_ * (1 - options_.threshold)) {
    best_ = metric;
    badEpochs_ = 0;
  } else {
    ++badEpochs_;
  }
  if (cooldownCounter_ > 0) {
    --cooldownCounter_;
    badEpochs_ = 0;
  }
  if (badEpochs_ > options_.patience) {
    const double reduced = std::max(lr * options_.factor, options_.minLr);
    if (lr - reduced > options_.eps) lr = reduced;
    cooldownCounter_ = options_.cooldown;
    badEpochs_ = 0;
  }
  return lr;
}

c10::IValue ReduceLrOnPlateau::state() const {
  auto d = ivalue::dict();
  d.insert("best", best_);
  d.insert("num_bad_epochs", badEpochs_);
  d.insert("cooldown_counter", cooldownCounter_);
  d.insert("last_epoch", lastEpoch_);
  return d;
}

void ReduceLrOnPlateau::loadState(const c10::IValue& state) {
  const std::string what = "scheduler state";
  const auto d = ivalue::asDict(state, what);
  best_ = ivalue::getDouble(d, "best", what);
  badEpochs_ = ivalue::getInt(d, "num_bad_epochs", what);
  cooldownCounter_ = ivalue::getInt(d, "cooldown_counter", what);
  lastEpoch_ = ivalue::getInt(d, "last_epoch", what);
}

}  // namespace gazecoder::train

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

template <typename Self, typename Visit>
void ReduceLrOnPlateau::visitState(Self& self, Visit&& visit) {
  visit("best", self.best_);
  visit("num_bad_epochs", self.badEpochs_);
  visit("cooldown_counter", self.cooldownCounter_);
  visit("last_epoch", self.lastEpoch_);
}

c10::IValue ReduceLrOnPlateau::state() const {
  ivalue::DictWriter writer;
  visitState(*this, writer);
  return writer.dict();
}

void ReduceLrOnPlateau::loadState(const c10::IValue& state) {
  ivalue::DictReader reader(state, "scheduler state");
  visitState(*this, reader);
}

}  // namespace gazecoder::train

#pragma once
// torch.optim.lr_scheduler.ReduceLROnPlateau with iCatcher+'s settings by default: mode 'min',
// patience 3, factor 0.1, threshold 1e-4 ('rel'), cooldown 0, min_lr 0, eps 1e-8.
#include <ATen/core/ivalue.h>

#include <cstdint>

namespace gazecoder::train {

struct PlateauOptions {
  double factor = 0.1;
  int64_t patience = 3;
  double threshold = 1e-4;  // relative: better means metric < best * (1 - threshold)
  int64_t cooldown = 0;
  double minLr = 0;
  double eps = 1e-8;
};

class ReduceLrOnPlateau {
 public:
  explicit ReduceLrOnPlateau(const PlateauOptions& options = {});

  // Records one epoch's metric (validation loss); returns the learning rate to use from now on.
  double step(double metric, double lr);

  double best() const { return best_; }
  int64_t badEpochs() const { return badEpochs_; }

  c10::IValue state() const;
  void loadState(const c10::IValue& state);

 private:
  // Calls visit(key, member) for each entry of state(), named as in PyTorch's state_dict().
  template <typename Self, typename Visit>
  static void visitState(Self& self, Visit&& visit);

  PlateauOptions options_;
  double best_;
  int64_t badEpochs_ = 0;
  int64_t cooldownCounter_ = 0;
  int64_t lastEpoch_ = 0;
};

}  // namespace gazecoder::train

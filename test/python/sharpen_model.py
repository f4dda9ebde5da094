# Seeded weights for a checkpoint saved by `gazecoder model` (whose own initialisation is not seeded):
# every conv and linear weight drawn He-normal, Linear biases zero, and the last layer scaled and
# biased so that on the annotate tests' video the answers are unsaturated and both left and right (a
# random model otherwise answers one class). Usage: sharpen_model.py in.pth out.pth
import sys, math, torch
state = torch.load(sys.argv[1])
g = torch.Generator().manual_seed(0)
for key, t in state.items():
    if key.endswith('weight') and t.dim() >= 2:
        state[key] = torch.randn(t.shape, generator=g) * math.sqrt(2 / t[0].numel())
    elif key.endswith('bias') and ('fc' in key.split('.')[-2]):
        state[key] = torch.zeros_like(t)
state['predictor.fc3.weight'] *= 0.05
state['predictor.fc3.bias'][1] = -0.45
torch.save(state, sys.argv[2])

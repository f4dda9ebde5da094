// The events of a training run, as the native core reports them (native/binding/train_values.cc).
// Their one definition is the run-folder schema in @gazecoder/formats; the types come from it.
import type { TrainEvent } from '@gazecoder/formats';

export type { PerClass, TrainDoneEvent, TrainEpochEvent, TrainEvent, TrainStartEvent, TrainStepEvent } from '@gazecoder/formats';

/** What the addon posts: an event, or the error that ended the run. */
export type NativeTrainMessage = TrainEvent | { type: 'error'; message: string };

"""iCatcher+'s functions that gazecoder's parity options follow, transcribed for the tests (which
must not need iCatcher+ itself, nor its models).

Source: https://github.com/icatcherplus/icatcher_plus, commit c1a876c9cb70f0ac1f78a0ae5088ad2ef011ccda
(MIT licence). Each function says which file and lines it comes from; the bodies are verbatim except
where a comment marked "transcription:" says what was left out (the model, the detector, drawing).

Used as a command:
  icatcher_transcriptions.py parse FILE            -> JSON [illegal, corrected] or "ValueError: ..."
  icatcher_transcriptions.py smooth CASES.json     -> JSON, per case the raw_output lines and the
                                                      compressed answers/confidences predict_from_video
                                                      would write (see simulate_predict_from_video)
  icatcher_transcriptions.py mask IN.npy OUT.npy W H PERCENT MODE[,MODE...]
                                                   -> process_video's ROI, then mask_regions
"""
import json
import re
import sys

import numpy as np

# src/icatcher/__init__.py lines 5-6
classes = {"none": -3, "noface": -2, "nobabyface": -1, "away": 0, "left": 1, "right": 2}
reverse_classes = {v: k for k, v in classes.items()}


# src/icatcher/parsers.py lines 5-58
def parse_illegal_transitions_file(path, skip_header=True):
    """
    given a path to a csv file, parse the illegal transitions
    :param path: path to csv file
    :param skip_header: whether to skip the header row
    :return: illegal_transitions, corrected_transitions
    """
    illegal_transitions = []
    corrected_transitions = []
    if path is not None:
        with open(path) as f:
            rows = f.readlines()
        # skip header
        if skip_header:
            rows = rows[1:]
        for row in rows:
            row = row.strip().split(",")
            row = [x.replace('"', "") for x in row]
            if len(row) != 2:
                raise ValueError(
                    "Illegal transitions file needs to have exactly two columns."
                )
            ilegal, corrected = row
            try:
                # Separate by each digit or negative number, if "-" appears, it should be with the next digit
                bad_transition = [int(x) for x in re.findall(r"-?\d", ilegal)]
            except ValueError:
                raise ValueError(
                    "Illegal transitions file needs to have only integers."
                )
            # Check if the illegal transitions are valid
            for x in bad_transition:
                if x not in reverse_classes.keys():
                    raise ValueError(
                        "Illegal transitions file needs to only have valid classes."
                    )
            illegal_transitions.append(bad_transition)
            try:
                good_transition = [int(x) for x in re.findall(r"-?\d", corrected)]
            except ValueError:
                raise ValueError(
                    "Illegal transitions file needs to have only integers."
                )
            for x in good_transition:
                if x not in reverse_classes.keys():
                    raise ValueError(
                        "Illegal transitions file needs to only have valid classes."
                    )
            if len(good_transition) != len(bad_transition):
                raise ValueError(
                    "One or more illegal transitions have a different length than its corrected transition."
                )
            corrected_transitions.append(good_transition)
    return illegal_transitions, corrected_transitions


# src/icatcher/cli.py lines 98-113
def fix_illegal_transitions(
    loc, answers, confidences, illegal_transitions, corrected_transitions
):
    """
    fixes illegal transitions happening in answers at [loc-max_trans_len+1, loc] inclusive
    """
    for i, transition in enumerate(illegal_transitions):
        len_trans = len(transition)
        buffer = answers[loc - len_trans + 1 : loc + 1]
        if buffer == transition:
            buffer_update = corrected_transitions[i]
            answers[loc - len_trans + 1 : loc + 1] = buffer_update
            buffer_splits = np.where(np.array(buffer_update) != np.array(buffer))
            for spot in buffer_splits[0].tolist():
                confidences[loc - len_trans + 1 + spot] = -1
    return answers, confidences


def simulate_predict_from_video(
    placeholders, predictions, illegal_transitions, corrected_transitions, sliding_window_size=9
):
    """
    src/icatcher/cli.py predict_from_video, lines 322-324 (loc, cursor), 340-351 (the cursor moved back
    by the longest illegal transition), 455-603 (the frame loop and the frames after it), with what
    decides the answers and what gets written kept and the rest left out.
    transcription: a frame's detection and face selection are replaced by `placeholders[k]` (-3 a face
    was selected and the frame is valid, -2 noface, -1 nobabyface, both invalid); the gaze model's
    argmax and max softmax for a valid middle frame m by `predictions[m]` ([class, confidence]);
    drawing, the video frames, tracking and mirroring are left out; handle_output's raw_output line
    ("{}, {}, {:.02f}\n", cli.py lines 671-678) is collected instead of appended to a file, and the
    final answers/confidences arrays are returned as cleanup (lines 724-733) passes them to np.savez.
    """
    # lines 322-324
    loc = -((sliding_window_size // 2) + 1)
    cursor = -((sliding_window_size // 2) + 1)
    # lines 340-351
    illegal_transitions_path = illegal_transitions is not None
    if illegal_transitions_path:
        max_illegal_transition_length = max(
            [len(transition) for transition in illegal_transitions]
        )
        cursor -= max_illegal_transition_length
        if abs(cursor) > sliding_window_size:
            raise ValueError(
                "illegal_transitions_path contains transitions longer than the sliding window size"
            )
    answers = []
    confidences = []
    image_sequence = []
    lines = []
    frame_count = 0
    for placeholder in placeholders:
        # lines 455-499, transcription: the three branches reduced to their answers and validity
        answers.append(placeholder)
        confidences.append(-1)
        image_sequence.append((frame_count, placeholder == classes["none"]))
        # lines 507-550
        if len(image_sequence) == sliding_window_size:
            if image_sequence[sliding_window_size // 2][1]:
                middle = image_sequence[sliding_window_size // 2][0]
                int32_pred, float32_conf = predictions[middle]
                answers[loc] = int32_pred
                confidences[loc] = float32_conf
            image_sequence.pop(0)
            if illegal_transitions_path:
                if len(answers) >= max_illegal_transition_length:
                    answers, confidences = fix_illegal_transitions(
                        loc,
                        answers,
                        confidences,
                        illegal_transitions,
                        corrected_transitions,
                    )
        # lines 552-578
        if frame_count + 1 >= np.abs(cursor):
            class_text = reverse_classes[answers[cursor]]
            lines.append(
                "{}, {}, {:.02f}\n".format(
                    str(frame_count + cursor + 1), class_text, confidences[cursor]
                )
            )
        frame_count += 1
    # lines 580-602
    for i in range(sliding_window_size - np.abs(cursor), sliding_window_size - 1):
        class_text = "none"
        lines.append(
            "{}, {}, {:.02f}\n".format(str(frame_count + cursor + 1), class_text, -1)
        )
        frame_count = frame_count + 1
    return lines, [int(a) for a in answers], [float(c) for c in confidences]


# src/icatcher/video.py lines 108-137 (process_video: the region of interest from --crop_percent and
# --crop_mode; transcription: raw_width and raw_height are given instead of read with ffprobe)
def roi(raw_width, raw_height, crop_percent, crop_mode):
    cropped_height = raw_height
    if "top" in crop_mode:
        cropped_height = int(
            raw_height * (1 - (crop_percent / 100))
        )  # x% of the video from the top
    cropped_width = raw_width
    if "left" in crop_mode and "right" in crop_mode:
        cropped_width = int(
            raw_width * (1 - (2 * crop_percent / 100))
        )  # x% of the video from both left/right
    elif "left" in crop_mode or "right" in crop_mode:
        cropped_width = int(
            raw_width * (1 - (crop_percent / 100))
        )  # x% of the video from both left/right
    h_start_at = raw_height - cropped_height
    h_end_at = raw_height
    if "left" in crop_mode and "right" in crop_mode:
        w_start_at = (raw_width - cropped_width) // 2
        w_end_at = w_start_at + cropped_width
    elif "left" in crop_mode:
        w_start_at = raw_width - cropped_width
        w_end_at = raw_width
    elif "right" in crop_mode:
        w_start_at = 0
        w_end_at = cropped_width
    elif "top" in crop_mode:
        w_start_at = 0
        w_end_at = raw_width
    return h_start_at, h_end_at, w_start_at, w_end_at


# src/icatcher/draw.py lines 136-151
def mask_regions(image, start_h, end_h, start_w, end_w):
    """
    masks a numpy image with black background outside of region of interest (roi)
    :param image: numpy image h x w x c
    :param start_h: where does the roi height start
    :param end_h: where does the roi height end
    :param start_w: where does the roi width start
    :param end_w: where does the roi width end
    :return: masked image
    """
    h, w, _ = image.shape
    if start_h < 0 or start_w < 0 or end_h > h or end_w > w:
        raise ValueError("Values exceed image resolution")
    output = np.zeros_like(image)
    output[start_h:end_h, start_w:end_w, :] = image[start_h:end_h, start_w:end_w, :]
    return output


def main(argv):
    command = argv[1]
    if command == "parse":
        try:
            print(json.dumps(parse_illegal_transitions_file(argv[2])))
        except ValueError as error:
            print("ValueError: {}".format(error))
    elif command == "smooth":
        with open(argv[2]) as f:
            cases = json.load(f)
        out = []
        for case in cases:
            illegal, corrected = (None, None)
            if case.get("csv") is not None:
                illegal, corrected = parse_illegal_transitions_file(case["csv"])
            predictions = {int(k): v for k, v in case["predictions"].items()}
            lines, answers, confidences = simulate_predict_from_video(
                case["placeholders"], predictions, illegal, corrected
            )
            out.append({"raw": "".join(lines), "answers": answers, "confidences": confidences})
        print(json.dumps(out))
    elif command == "mask":
        image = np.load(argv[2])
        width, height, percent = int(argv[4]), int(argv[5]), int(argv[6])
        region = roi(width, height, percent, argv[7].split(","))
        np.save(argv[3], mask_regions(image, *region))
        print(json.dumps(list(region)))
    else:
        raise SystemExit("unknown command " + command)


if __name__ == "__main__":
    main(sys.argv)

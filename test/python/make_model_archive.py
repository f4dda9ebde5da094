"""Writes a small zip in the layout of iCatcher+'s released model archive (a folder of models, deflated):
argv[1] the zip, argv[2] the gaze model to store as icatcher+_lookit_regnet.pth; the face-detector
files are placeholders (the released ones cannot be downloaded here)."""
import sys
import zipfile

with zipfile.ZipFile(sys.argv[1], "w", compression=zipfile.ZIP_DEFLATED) as z:
    z.write(sys.argv[2], "icatcher+_models/icatcher+_lookit_regnet.pth")
    z.writestr("icatcher+_models/face_model.caffemodel", b"\0" * 4096)
    z.writestr("icatcher+_models/config.prototxt", 'name: "placeholder"\n')

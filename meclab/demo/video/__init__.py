"""Example 1: video analytics split between the camera, the edge and the cloud.

Fixed cameras film synthetic scenes with faces (:mod:`.frames`, with their ground truth). Each
frame goes two ways at once, so that both are measured in the same run: *split*, where the
camera's cheap detector (:mod:`.detect`) sends only frames with candidates to the edge instance
MEC DNS names for it (``video-edge.mec``: the one on its own serving host), which sends small
lossy crops to the cloud for identification; and *baseline*, every frame compressed to the cloud,
which detects and identifies on its own (:mod:`.identify`). :func:`~meclab.demo.video.demo.run`
runs it all, compares bytes, latency and accuracy, and plots them.

::

    world.py     the demo's scenario: the cameras, an edge instance per MEC host, the cloud
    frames.py    synthetic frames with faces and their ground truth (pure numpy, seeded)
    detect.py    the camera's cheap preliminary detector: candidate boxes
    identify.py  the cloud's face database, identification and full-frame detection
    wire.py      what goes over HTTP: frames, boxes, crops (and the edge's lossy compression)
    camera.py    terminal: both pipelines on every frame, through the data plane
    edge.py      edge (EdgeApp): crops of the candidate boxes to the cloud, identities back
    cloud.py     cloud: /identify for crops, /frames for whole frames; bytes received
    report.py    the comparison per pipeline, the PNG
    demo.py      run(): everything end to end, a VideoReport
"""

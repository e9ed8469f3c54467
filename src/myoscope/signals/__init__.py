"""Biosignal analysis: simulation, filtering, detection and evaluation of myoclonic events.

Core package: imports only NumPy, SciPy, the standard library and ``myoscope.errors``
(``signals.io`` reads files, importing edfio only inside the function that needs it).
"""

from myoscope.signals.accelerometer import (
    AccelerometerJerk,
    detect_acc_jerks,
    gait_mask,
    simulate_accelerometer,
)
from myoscope.signals.detection import (
    Detection,
    Event,
    detect_bursts,
    detect_emg,
    detect_silent_periods,
)
from myoscope.signals.ecg import detect_qrs, remove_ecg
from myoscope.signals.evaluation import Scores, compare_events
from myoscope.signals.filtering import clean_emg
from myoscope.signals.io import Recording, infer_modality, read_recording
from myoscope.signals.quality import QualityIssue, check_channel
from myoscope.signals.simulation import SimulatedEMG, simulate_emg

__all__ = [
    "AccelerometerJerk",
    "Detection",
    "Event",
    "QualityIssue",
    "Recording",
    "Scores",
    "SimulatedEMG",
    "check_channel",
    "clean_emg",
    "compare_events",
    "detect_acc_jerks",
    "detect_bursts",
    "detect_emg",
    "detect_qrs",
    "detect_silent_periods",
    "gait_mask",
    "infer_modality",
    "read_recording",
    "remove_ecg",
    "simulate_accelerometer",
    "simulate_emg",
]

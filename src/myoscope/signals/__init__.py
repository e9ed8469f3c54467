"""Biosignal analysis: simulation, filtering, detection and evaluation of myoclonic events.

Core package: imports only NumPy, SciPy, the standard library and ``myoscope.errors``
(``signals.io`` and ``signals.wearables`` read files, importing edfio and actfast only inside
the functions that need them).
"""

from myoscope.signals.accelerometer import (
    AccelerometerJerk,
    detect_acc_jerks,
    gait_mask,
    simulate_accelerometer,
)
from myoscope.signals.backaverage import BackAverage, eeg_channels, jerk_locked_average
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
from myoscope.signals.io import (
    Recording,
    RecordingSource,
    infer_modality,
    open_recording,
    read_recording,
)
from myoscope.signals.quality import QualityIssue, check_channel
from myoscope.signals.simulation import SimulatedEMG, simulate_emg
from myoscope.signals.simulation_eeg import SimulatedEEGJerks, simulate_eeg_with_jerks

__all__ = [
    "AccelerometerJerk",
    "BackAverage",
    "Detection",
    "Event",
    "QualityIssue",
    "Recording",
    "RecordingSource",
    "Scores",
    "SimulatedEEGJerks",
    "SimulatedEMG",
    "check_channel",
    "clean_emg",
    "compare_events",
    "detect_acc_jerks",
    "detect_bursts",
    "detect_emg",
    "detect_qrs",
    "detect_silent_periods",
    "eeg_channels",
    "gait_mask",
    "infer_modality",
    "jerk_locked_average",
    "open_recording",
    "read_recording",
    "remove_ecg",
    "simulate_accelerometer",
    "simulate_eeg_with_jerks",
    "simulate_emg",
]

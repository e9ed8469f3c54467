"""Validation helpers shared by the signal modules (MNE style).

Every helper raises :class:`~myoscope.errors.SignalError` with a message that names the
parameter or channel, the allowed values or range, the value received and what to do.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from myoscope.errors import SignalError, did_you_mean

__all__ = [
    "FloatArray",
    "channel_names",
    "check_band",
    "check_option",
    "check_positive",
    "check_rate",
    "check_signal",
]

FloatArray = npt.NDArray[np.float64]


def check_option(name: str, value: Any, allowed: Sequence[Any]) -> Any:
    """Return ``value`` if it is one of ``allowed``, else raise a SignalError.

    Parameters
    ----------
    name : str
        The parameter name, for the message.
    value : object
        What was received.
    allowed : sequence
        The valid values.

    Returns
    -------
    object
        ``value`` unchanged.
    """
    if value in allowed:
        return value
    shown = ", ".join(repr(a) for a in allowed)
    hint = did_you_mean(value, [str(a) for a in allowed]) if isinstance(value, str) else ""
    raise SignalError(f"Invalid value for '{name}': allowed {shown}, got {value!r}.{hint}")


def check_positive(name: str, value: float, *, unit: str = "", allow_zero: bool = False) -> float:
    """Return ``value`` as a float if it is finite and positive (or zero when allowed).

    Parameters
    ----------
    name : str
        The parameter name, for the message.
    value : float
        What was received.
    unit : str
        The unit shown in the message (e.g. ``"Hz"``, ``"ms"``).
    allow_zero : bool
        Accept 0 as well.

    Returns
    -------
    float
        The value.
    """
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise SignalError(f"'{name}' must be a number, got {value!r}.") from None
    ok = np.isfinite(number) and (number >= 0 if allow_zero else number > 0)
    if not ok:
        bound = ">= 0" if allow_zero else "> 0"
        raise SignalError(f"'{name}' must be a finite number {bound} {unit}, got {value!r}.")
    return number


def check_rate(rate_hz: float, *, minimum_hz: float = 0.0, what: str = "this analysis") -> float:
    """Return the sampling rate in Hz after checking it is positive and high enough.

    Parameters
    ----------
    rate_hz : float
        Sampling rate in Hz.
    minimum_hz : float
        The lowest acceptable rate in Hz.
    what : str
        What needs the rate, for the message.

    Returns
    -------
    float
        The rate in Hz.
    """
    rate = check_positive("rate_hz", rate_hz, unit="Hz")
    if rate < minimum_hz:
        raise SignalError(
            f"Sampling rate {rate:g} Hz is too low for {what}: at least {minimum_hz:g} Hz is "
            "needed. Record at a higher rate or choose a lower band."
        )
    return rate


def check_band(band: tuple[float, float], rate_hz: float) -> tuple[float, float]:
    """Check a pass band (low, high) in Hz against the Nyquist frequency.

    Parameters
    ----------
    band : (float, float)
        Low and high cut-offs in Hz, ``0 < low < high < rate_hz / 2``.
    rate_hz : float
        Sampling rate in Hz.

    Returns
    -------
    (float, float)
        The band as floats.
    """
    try:
        low, high = (float(band[0]), float(band[1]))
        if len(band) != 2:
            raise ValueError
    except (TypeError, ValueError, IndexError):
        raise SignalError(f"'band' must be two numbers (low, high) in Hz, got {band!r}.") from None
    nyquist = rate_hz / 2.0
    if not (np.isfinite(low) and np.isfinite(high) and 0 < low < high):
        raise SignalError(
            f"'band' must satisfy 0 < low < high (Hz), got ({low:g}, {high:g}). "
            "For surface EMG use (20, 450)."
        )
    if high >= nyquist:
        raise SignalError(
            f"Sampling rate {rate_hz:g} Hz is too low for the band ({low:g}, {high:g}) Hz: the "
            f"upper edge must be below the Nyquist frequency ({nyquist:g} Hz), so at least "
            f"{2 * high:g} Hz is needed. Lower the upper edge (e.g. band=({low:g}, "
            f"{0.45 * rate_hz:g})) or use a recording sampled faster."
        )
    return low, high


def channel_names(channels: Sequence[str] | str | None, n_channels: int) -> tuple[str, ...]:
    """Return ``n_channels`` channel names: the given ones, or ``ch1``, ``ch2`` ...

    Parameters
    ----------
    channels : sequence of str, str or None
        Names, one per channel (a single str for one channel), or None for defaults.
    n_channels : int
        The number of rows in the signal.

    Returns
    -------
    tuple of str
        The names.
    """
    if channels is None:
        return tuple(f"ch{i + 1}" for i in range(n_channels))
    names = (channels,) if isinstance(channels, str) else tuple(str(c) for c in channels)
    if len(names) != n_channels:
        raise SignalError(
            f"{len(names)} channel names were given for {n_channels} channel(s): "
            f"{list(names)}. Give one name per row of the signal."
        )
    if len(set(names)) != len(names):
        raise SignalError(f"Channel names must be unique, got {list(names)}.")
    return names


def check_signal(
    x: Any,
    rate_hz: float,
    *,
    channels: Sequence[str] | str | None = None,
    min_duration_s: float = 1.0,
    name: str = "emg",
) -> tuple[FloatArray, tuple[str, ...]]:
    """Validate a recording and return it as a 2-D float64 array with its channel names.

    Parameters
    ----------
    x : array_like
        Shape ``(n_samples,)`` or ``(n_channels, n_samples)``.
    rate_hz : float
        Sampling rate in Hz.
    channels : sequence of str, str or None
        Channel names (default ``ch1``, ``ch2`` ...).
    min_duration_s : float
        The shortest acceptable recording in s.
    name : str
        What the signal is, for the messages (e.g. ``"emg"``).

    Returns
    -------
    signal : ndarray, shape (n_channels, n_samples), float64
        A C-contiguous copy only when a conversion was needed.
    names : tuple of str
        One name per row.

    Raises
    ------
    SignalError
        Wrong shape or dtype, too short, or a channel that is empty, contains NaN or
        infinite values, or is constant.
    """
    try:
        arr = np.asarray(x)
    except (TypeError, ValueError) as exc:  # pragma: no cover - numpy accepts almost anything
        raise SignalError(f"The {name} signal could not be read as an array: {exc}.") from None
    if arr.dtype.kind not in "fiu" or arr.dtype.kind == "b":
        raise SignalError(
            f"The {name} signal must hold numbers (float or int), got dtype {arr.dtype}."
        )
    if arr.ndim == 1:
        arr = arr[np.newaxis, :]
    if arr.ndim != 2:
        raise SignalError(
            f"The {name} signal must have shape (n_samples,) or (n_channels, n_samples), got "
            f"{arr.ndim} dimensions {arr.shape}."
        )
    names = channel_names(channels, arr.shape[0])
    out: FloatArray = np.ascontiguousarray(arr, dtype=np.float64)
    n_samples = out.shape[1]
    duration = n_samples / rate_hz
    if duration < min_duration_s:
        raise SignalError(
            f"The {name} recording is too short: {n_samples} samples = {duration:.3g} s at "
            f"{rate_hz:g} Hz; at least {min_duration_s:g} s is needed."
        )
    lowest = out.min(axis=1)
    highest = out.max(axis=1)
    # NaN propagates through min/max and infinities show in them, so this checks every sample.
    for i in np.flatnonzero(~(np.isfinite(lowest) & np.isfinite(highest))):
        bad = int(np.count_nonzero(~np.isfinite(out[i])))
        raise SignalError(
            f"Channel '{names[i]}' contains {bad} NaN or infinite value(s) of {n_samples}. "
            "Interpolate or cut the gaps, or leave the channel out."
        )
    for i in np.flatnonzero(lowest == highest):
        raise SignalError(
            f"Channel '{names[i]}' is constant ({out[i, 0]:g}): it carries no signal. Check "
            "the electrode or leave the channel out."
        )
    return out, names

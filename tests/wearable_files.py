"""Writers of small, valid wearable raw files with a known signal, for the reader tests.

There are no sample wearable files in ``../shared``, so the tests write their own, following the
published formats as actfast 1.3.0 decodes them:

- Axivity ``.cwa`` (OpenMovement ``cwa.h``, ``ax3-technical.md``): a 1024-byte ``MD`` header,
  then 512-byte ``AX`` data blocks: packed timestamp at byte 14, rate/range byte at 24,
  axes/format byte at 25, timestamp offset at 26, sample count at 28, 480 bytes of samples
  (packed 10-bit with a shared exponent, or unpacked int16) and a 16-bit checksum that makes
  the block's little-endian words sum to zero.
- ActiGraph ``.gt3x`` (``actigraph/GT3X-File-Format``): a ZIP with ``info.txt`` and ``log.bin``;
  log records are ``0x1E``, type, unix time (u32), payload size (u16), payload and a checksum;
  a Parameters record (0x15) gives the rate and the SSP-encoded acceleration scale; Activity
  records (0x00) hold one second of 12-bit y, x, z samples, most significant bit first.
- GENEActiv ``.bin``: a 59-line text header (calibration gains and offsets), then pages of ten
  lines whose last line is 300 samples of 6 bytes in hex (12-bit x, y, z, 10-bit light, button).

Every writer takes ``acc`` of shape ``(3, n_samples)`` in g, as
:func:`myoscope.signals.simulate_accelerometer` returns it.
"""

from __future__ import annotations

import math
import struct
import zipfile
from collections.abc import Collection
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import numpy.typing as npt

START = datetime(2026, 3, 2, 9, 30, 0, tzinfo=UTC)
"""Start of every written recording (device clock)."""

CWA_HEADER = 1024
CWA_BLOCK = 512

# --------------------------------------------------------------------------------------------
# Axivity .cwa
# --------------------------------------------------------------------------------------------

_CWA_RATE_CODES = {6.25: 6, 12.5: 7, 25.0: 8, 50.0: 9, 100.0: 10, 200.0: 11, 400.0: 12}
_CWA_RANGE_CODES = {16: 0, 8: 1, 4: 2, 2: 3}


def cwa_timestamp(t: datetime) -> int:
    """Pack a time (whole seconds) the way an Axivity block stores it."""
    return (
        ((t.year - 2000) << 26)
        | (t.month << 22)
        | (t.day << 17)
        | (t.hour << 12)
        | (t.minute << 6)
        | t.second
    )


def _cwa_header(rate_byte: int, start: datetime, end: datetime, *, ax6: bool) -> bytes:
    h = bytearray(b"\xff" * CWA_HEADER)
    h[0:2] = b"MD"
    struct.pack_into("<H", h, 2, CWA_HEADER - 4)
    h[4] = 0x64 if ax6 else 0x00  # hardware type
    struct.pack_into("<H", h, 5, 4321)  # device id (lower)
    struct.pack_into("<I", h, 7, 7)  # session id
    struct.pack_into("<H", h, 11, 0)  # device id (upper)
    struct.pack_into("<I", h, 13, cwa_timestamp(start))
    struct.pack_into("<I", h, 17, cwa_timestamp(end))
    struct.pack_into("<I", h, 21, 0)  # capacity: unlimited
    h[25:36] = bytes(11)
    h[36] = rate_byte
    struct.pack_into("<I", h, 37, cwa_timestamp(start))  # last change
    h[41] = 45  # firmware
    struct.pack_into("<h", h, 42, -1)  # time zone unknown
    h[44:64] = bytes(20)
    note = b"_sc=7&_p=right+wrist"
    h[64 : 64 + len(note)] = note
    h[64 + len(note) : 512] = b" " * (448 - len(note))
    return bytes(h)


def _pack_cwa_samples(raw: npt.NDArray[np.int64]) -> bytes:
    """Packed 10-bit x, y, z with a shared exponent, one uint32 per sample."""
    words = []
    for x, y, z in raw.T:
        big = max(abs(int(x)), abs(int(y)), abs(int(z)))
        e = next(e for e in range(4) if (big >> e) <= 511)
        fields = [max(-512, min(511, round(int(v) / (1 << e)))) & 0x3FF for v in (x, y, z)]
        words.append((e << 30) | (fields[2] << 20) | (fields[1] << 10) | fields[0])
    return struct.pack(f"<{len(words)}I", *words)


def write_cwa(
    path: Path,
    acc: npt.ArrayLike,
    *,
    rate_hz: float = 100.0,
    true_rate_hz: float | None = None,
    packed: bool = True,
    range_g: int = 8,
    fractional: bool = True,
    start: datetime = START,
    drop_blocks: Collection[int] = (),
    ax6: bool = False,
) -> Path:
    """Write an Axivity AX3 (or AX6) ``.cwa`` file.

    Parameters
    ----------
    path : pathlib.Path
        Where to write.
    acc : array_like, shape (3, n)
        Acceleration in g (quantised to 1/256 g; packed samples lose more on large values).
    rate_hz : float
        The configured rate, in Hz (6.25-400, a power of two times 100).
    true_rate_hz : float, optional
        The rate the device really sampled at (a real AX3 is off by up to about 1 %); sample
        ``j`` of ``acc`` is taken at ``j / true_rate_hz`` s. Defaults to ``rate_hz``.
    packed : bool
        Packed 10-bit samples (120 per block, the AX3 default) or int16 samples (80 per block).
    range_g : {2, 4, 8, 16}
        Range in the rate byte.
    fractional : bool
        Timestamps with a fraction of a second (current firmware) or whole seconds with the
        sample index they apply to (old firmware).
    start : datetime
        Time of the first sample.
    drop_blocks : collection of int
        Block numbers to leave out (a gap, as when the file lost blocks).
    ax6 : bool
        An AX6: int16 gyroscope (a slow rotation about z) then accelerometer samples, 40 per
        block, acceleration at 1/2048 g per count (``packed`` is ignored).
    """
    data = np.asarray(acc, dtype=np.float64)
    counts_per_g = 2048.0 if ax6 else 256.0
    raw = np.clip(np.round(data * counts_per_g), -32768, 32767).astype(np.int64)
    true_rate = rate_hz if true_rate_hz is None else true_rate_hz
    packed = packed and not ax6
    per_block = 40 if ax6 else 120 if packed else 80
    n_blocks = raw.shape[1] // per_block
    rate_byte = (_CWA_RANGE_CODES[range_g] << 6) | _CWA_RATE_CODES[float(rate_hz)]
    end = start + timedelta(seconds=raw.shape[1] / true_rate + 1)
    out = bytearray(_cwa_header(rate_byte, start, end, ax6=ax6))
    t0 = start.timestamp()
    for k in range(n_blocks):
        if k in drop_blocks:
            continue
        b = bytearray(CWA_BLOCK)
        b[0:2] = b"AX"
        struct.pack_into("<H", b, 2, CWA_BLOCK - 4)
        first = t0 + k * per_block / true_rate
        whole = math.floor(first)
        if fractional:
            frac16 = int((first - whole) * 65536)
            struct.pack_into("<H", b, 4, 0x8000 | (frac16 >> 1))
            frac16 = (frac16 >> 1) << 1
            offset = -((frac16 * round(rate_hz)) >> 16)
            stamp = whole
        else:
            struct.pack_into("<H", b, 4, 0)
            stamp = whole + 1
            offset = round((stamp - first) * rate_hz)
        struct.pack_into("<I", b, 6, 7)  # session id
        struct.pack_into("<I", b, 10, k)  # sequence number
        struct.pack_into("<I", b, 14, cwa_timestamp(datetime.fromtimestamp(stamp, UTC)))
        # light (low 10 bits); accel scale code (bits 13-15): 0 -> 1/256 g, 3 -> 1/2048 g;
        # gyro range code (bits 10-12): 5 -> 250 deg/s
        struct.pack_into("<H", b, 18, ((3 << 13) | (5 << 10) | 300) if ax6 else 300)
        struct.pack_into("<H", b, 20, 256)  # temperature, raw
        b[22] = 0  # events
        b[23] = 190  # battery
        b[24] = rate_byte
        b[25] = 0x62 if ax6 else 0x30 if packed else 0x32
        struct.pack_into("<h", b, 26, offset)
        struct.pack_into("<H", b, 28, per_block)
        chunk = raw[:, k * per_block : (k + 1) * per_block]
        if ax6:
            gyro = np.zeros_like(chunk)
            gyro[2] = 1311  # 10 deg/s about z
            samples = struct.pack(
                f"<{6 * per_block}h", *np.vstack([gyro, chunk]).T.ravel().tolist()
            )
        elif packed:
            samples = _pack_cwa_samples(chunk)
        else:
            samples = struct.pack(f"<{3 * per_block}h", *chunk.T.ravel().tolist())
        b[30 : 30 + len(samples)] = samples
        total = sum(struct.unpack("<255H", bytes(b[:510])))
        struct.pack_into("<H", b, 510, (-total) & 0xFFFF)
        out += b
    path.write_bytes(bytes(out))
    return path


def cwa_quantum_g(acc: npt.ArrayLike, *, packed: bool = True) -> float:
    """Largest rounding error of :func:`write_cwa` on this signal, in g."""
    if not packed:
        return 0.5 / 256.0
    big = float(np.max(np.abs(np.asarray(acc)))) * 256.0
    e = next(e for e in range(4) if big / (1 << e) <= 511)
    return (1 << e) / 256.0


# --------------------------------------------------------------------------------------------
# ActiGraph .gt3x
# --------------------------------------------------------------------------------------------


def ssp_encode(value: float) -> int:
    """Encode a float in ActiGraph's SSP format (24-bit significand, 8-bit exponent)."""
    significand, exponent = abs(value), 0
    while significand >= 1.0:
        significand /= 2.0
        exponent += 1
    while significand < 0.5:
        significand *= 2.0
        exponent -= 1
    code = int(significand * 8388608.0)
    if value < 0:
        code = -code
    return (code & 0x00FFFFFF) | ((exponent << 24) & 0xFF000000)


def _gt3x_record(kind: int, when: int, payload: bytes) -> bytes:
    head = struct.pack("<BBIH", 0x1E, kind, when, len(payload))
    check = 0
    for byte in head + payload:
        check ^= byte
    return head + payload + bytes([~check & 0xFF])


def _pack_12bit(values: list[int]) -> bytes:
    bits = 0
    n = 0
    for v in values:
        bits = (bits << 12) | (v & 0xFFF)
        n += 12
    pad = (-n) % 8
    return (bits << pad).to_bytes((n + pad) // 8, "big")


def _ticks(t: datetime) -> int:
    """.NET ticks (100 ns since 0001-01-01), as info.txt writes dates."""
    return int((t.replace(tzinfo=None) - datetime(1, 1, 1)).total_seconds()) * 10_000_000


def write_gt3x(
    path: Path,
    acc: npt.ArrayLike,
    *,
    rate_hz: int = 100,
    start: datetime = START,
    skip_seconds: Collection[int] = (),
) -> Path:
    """Write an ActiGraph ``.gt3x`` file (wGT3X-BT layout, scale 256 counts per g).

    Parameters
    ----------
    path : pathlib.Path
        Where to write.
    acc : array_like, shape (3, n)
        Acceleration in g, at ``rate_hz`` (quantised to 1/256 g, clipped to +-8 g).
    rate_hz : int
        Samples per second (ActiGraph rates are whole numbers, 30-100 Hz).
    start : datetime
        Time of the first sample (a whole second).
    skip_seconds : collection of int
        Seconds with no Activity record (as in idle-sleep mode).
    """
    data = np.asarray(acc, dtype=np.float64)
    raw = np.clip(np.round(data * 256.0), -2048, 2047).astype(np.int64)
    seconds = raw.shape[1] // rate_hz
    first = int(start.timestamp())
    last = start + timedelta(seconds=seconds)
    info = "\r\n".join(
        [
            "Serial Number: MOS0TEST00001",
            "Device Type: wGT3XBT",
            "Firmware: 1.9.2",
            "Battery Voltage: 4.10",
            f"Sample Rate: {rate_hz}",
            f"Start Date: {_ticks(start)}",
            "Stop Date: 0",
            f"Last Sample Time: {_ticks(last)}",
            "TimeZone: 00:00:00",
            f"Download Date: {_ticks(last)}",
            "Board Revision: 5",
            "Unexpected Resets: 0",
            "Acceleration Scale: 256.0",
            "Acceleration Min: -8.0",
            "Acceleration Max: 8.0",
            "Subject Name: test",
        ]
    )
    params = struct.pack("<II", (55 << 16) | 0, ssp_encode(256.0)) + struct.pack(
        "<II", (10 << 16) | 1, rate_hz
    )
    log = bytearray(_gt3x_record(0x15, first, params))
    for s in range(seconds):
        if s in skip_seconds:
            continue
        chunk = raw[:, s * rate_hz : (s + 1) * rate_hz]
        values = [int(v) for x, y, z in chunk.T for v in (y, x, z)]
        log += _gt3x_record(0x00, first + s, _pack_12bit(values))
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("info.txt", info)
        z.writestr("log.bin", bytes(log))
    return path


# --------------------------------------------------------------------------------------------
# GENEActiv .bin
# --------------------------------------------------------------------------------------------

GENEACTIV_PAGE = 300
_GAIN = 25600
_OFFSETS = (-1200, 400, 900)


def _geneactiv_time(t: datetime) -> str:
    return t.strftime("%Y-%m-%d %H:%M:%S:") + f"{t.microsecond // 1000:03d}"


def write_geneactiv(
    path: Path,
    acc: npt.ArrayLike,
    *,
    rate_hz: float = 100.0,
    start: datetime = START,
    skip_pages: Collection[int] = (),
) -> Path:
    """Write a GENEActiv ``.bin`` file (calibration gain 25600, so 1/256 g per count).

    Parameters
    ----------
    path : pathlib.Path
        Where to write.
    acc : array_like, shape (3, n)
        Acceleration in g, at ``rate_hz`` (clipped to the 12-bit range, about +-8 g).
    rate_hz : float
        Measurement frequency, in Hz.
    start : datetime
        Time of the first sample.
    skip_pages : collection of int
        Pages to leave out (a gap).
    """
    data = np.asarray(acc, dtype=np.float64)
    offsets = np.asarray(_OFFSETS, dtype=np.float64)[:, None]
    raw = np.clip(np.round((data * _GAIN + offsets) / 100.0), -2048, 2047).astype(np.int64)
    pages = raw.shape[1] // GENEACTIV_PAGE
    header = [
        "Device Identity",
        "Device Unique Serial Code:012345",
        "Device Type:GENEActiv",
        "Device Model:1.2",
        "Device Firmware Version:Ver06.17 15June23",
        "Calibration Date:2025-01-10 10:00:00:000",
        "",
        "Device Capabilities",
        "Accelerometer Range:-8 to 8",
        "Accelerometer Resolution:0.0039",
        "Accelerometer Units:g",
        "Light Meter Range:0 to 20000",
        "Light Meter Resolution:3 to 48",
        "Light Meter Units:lux",
        "Temperature Sensor Range:0 to 70",
        "Temperature Sensor Resolution:0.1",
        "Temperature Sensor Units:deg. C",
        "",
        "Configuration Info",
        f"Measurement Frequency:{rate_hz:g} Hz",
        "Measurement Period:168 Hours",
        f"Start Time:{_geneactiv_time(start)}",
        "Time Zone:GMT +00:00",
        "",
        "Trial Info",
        "Study Centre:",
        "Study Code:",
        "Investigator ID:",
        "Exercise Type:",
        "Config Operator ID:",
        f"Config Time:{_geneactiv_time(start)}",
        "Config Notes:",
        "Extract Operator ID:",
        f"Extract Time:{_geneactiv_time(start)}",
        "Extract Notes:",
        "",
        "Subject Info",
        "Device Location Code:left wrist",
        "Subject Code:",
        "Date of Birth:1900-01-01",
        "Sex:",
        "Height:",
        "Weight:",
        "Handedness Code:",
        "Subject Notes:",
        "",
        "Calibration Data",
        f"x gain:{_GAIN}",
        f"x offset:{_OFFSETS[0]}",
        f"y gain:{_GAIN}",
        f"y offset:{_OFFSETS[1]}",
        f"z gain:{_GAIN}",
        f"z offset:{_OFFSETS[2]}",
        "Volts:300",
        "Lux:800",
        "",
        "Memory Status",
        f"Number of Pages:{pages - len(skip_pages)}",
        "",
    ]
    assert len(header) == 59
    lines = list(header)
    for k in range(pages):
        if k in skip_pages:
            continue
        when = start + timedelta(seconds=k * GENEACTIV_PAGE / rate_hz)
        chunk = raw[:, k * GENEACTIV_PAGE : (k + 1) * GENEACTIV_PAGE]
        words = b"".join(
            (
                ((int(x) & 0xFFF) << 36)
                | ((int(y) & 0xFFF) << 24)
                | ((int(z) & 0xFFF) << 12)
                | (200 << 2)  # light; button 0; padding 0
            ).to_bytes(6, "big")
            for x, y, z in chunk.T
        )
        lines += [
            "Recorded Data",
            "Device Unique Serial Code:012345",
            f"Sequence Number:{k}",
            f"Page Time:{_geneactiv_time(when)}",
            "Unassigned:",
            "Temperature:30.5",
            "Battery voltage:4.0000",
            "Device Status:Recording",
            f"Measurement Frequency:{rate_hz:.1f}",
            words.hex().upper(),
        ]
    path.write_text("\r\n".join(lines) + "\r\n", encoding="ascii", newline="")
    return path

"""Text-to-speech of radio bulletins (chuyển văn bản thành giọng nói), behind one interface.

The default engine is Debian's ``espeak-ng`` with its Vietnamese voice ``vi``: offline,
robotic, but understandable; a better engine (a Vietnamese neural voice, a provider's API)
plugs in by naming a class with ``TINHSO_TTS_ENGINE`` (``"package.module.Class"``) whose
``synthesize(text, *, voice) -> bytes`` returns a WAV file.

Settings: ``TINHSO_TTS_ENGINE``, ``TINHSO_ESPEAK_NG`` (path of the binary, default the one on
``PATH``), ``TINHSO_TTS_VOICE`` (default ``vi``), ``TINHSO_TTS_SPEED`` (words per minute,
default 150).
"""

from __future__ import annotations

import io
import shutil
import subprocess
import tempfile
import wave
from pathlib import Path
from typing import Protocol

from django.utils.module_loading import import_string

from tinhso.outreach import errors
from tinhso.outreach.channels.base import setting

TIMEOUT_SECONDS = 120


class TtsEngine(Protocol):
    name: str

    def synthesize(self, text: str, *, voice: str) -> bytes:
        """A WAV file (RIFF) speaking ``text``; ``errors.TtsUnavailable`` if it cannot."""


class EspeakNgEngine:
    name = "espeak-ng"

    def binary(self) -> str:
        configured = setting("TINHSO_ESPEAK_NG")
        found = configured if configured and Path(configured).exists() else None
        found = found or shutil.which("espeak-ng")
        if not found:
            raise errors.TtsUnavailable()
        return found

    def synthesize(self, text: str, *, voice: str) -> bytes:
        binary = self.binary()
        speed = setting("TINHSO_TTS_SPEED", "150")
        with tempfile.TemporaryDirectory() as folder:
            target = Path(folder) / "out.wav"
            try:
                # -w writes a complete WAV (the header's sizes filled in), unlike --stdout.
                completed = subprocess.run(  # noqa: S603
                    [binary, "-v", voice, "-s", speed, "-w", str(target), "--stdin"],
                    input=text.encode("utf-8"),
                    capture_output=True,
                    timeout=TIMEOUT_SECONDS,
                    check=False,
                )
            except (OSError, subprocess.TimeoutExpired) as exc:
                raise errors.TtsUnavailable(details={"reason": str(exc)[:200]}) from exc
            if completed.returncode != 0 or not target.exists():
                reason = completed.stderr.decode("utf-8", "replace")[:200]
                raise errors.TtsUnavailable(details={"reason": reason})
            return target.read_bytes()


def get_engine() -> TtsEngine:
    path = setting("TINHSO_TTS_ENGINE")
    return import_string(path)() if path else EspeakNgEngine()


def default_voice() -> str:
    return setting("TINHSO_TTS_VOICE", "vi")


def is_available() -> bool:
    try:
        engine = get_engine()
        if isinstance(engine, EspeakNgEngine):
            engine.binary()
    except errors.TtsUnavailable:
        return False
    return True


def wav_duration(data: bytes) -> float:
    """Seconds of audio in a WAV file, or ``ValueError``."""
    try:
        with wave.open(io.BytesIO(data)) as reader:
            rate = reader.getframerate()
            return reader.getnframes() / float(rate) if rate else 0.0
    except (wave.Error, EOFError) as exc:
        raise ValueError(str(exc)) from exc


def speakable(title: str, body: str) -> str:
    """The text read out: the title, a pause, then the body (paragraph breaks as pauses)."""
    paragraphs = [line.strip() for line in body.splitlines() if line.strip()]
    return ".\n".join([title.strip(), *paragraphs])

"""Canned answers for the image, audio and video operations, and the tiny media files they carry.

The media are real, minimal files (a 1x1 PNG, one silent MP3 frame, a few WAV samples, an MP4
`ftyp` box) so that code sniffing magic numbers or handing bytes to a decoder sees the genuine
article, while every answer stays a few dozen bytes.
"""

from __future__ import annotations

import base64
import struct
import zlib

from venice_ext.testing._replies import Reply

__all__ = [
    "TINY_MP3",
    "TINY_MP4",
    "TINY_PNG",
    "TINY_WAV",
    "audio_complete",
    "audio_queue",
    "audio_quote",
    "audio_retrieve",
    "audio_retrieve_processing",
    "cloned_voice",
    "image_bytes",
    "image_edit",
    "image_generate",
    "image_generate_binary",
    "image_styles",
    "simple_image_generate",
    "speech",
    "transcription",
    "transcription_text",
    "video_complete",
    "video_queue",
    "video_quote",
    "video_retrieve",
    "video_retrieve_processing",
    "video_transcription",
    "video_transcription_text",
]


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def _tiny_png() -> bytes:
    # 1x1, 8-bit RGB; each scanline starts with filter byte 0. The pixel is Venice red.
    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xdd\x33\x33")
    return b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", header) + _png_chunk(b"IDAT", pixels) + _png_chunk(b"IEND", b"")


def _tiny_mp3() -> bytes:
    # MPEG-1 Layer III, 32 kbit/s, 44.1 kHz, mono: a 104-byte frame. All-zero side info and
    # main data decode as silence, so players accept it without a Xing/ID3 header.
    frame_length = 144 * 32_000 // 44_100
    return b"\xff\xfb\x10\xc4" + bytes(frame_length - 4)


def _tiny_wav() -> bytes:
    # 16-bit PCM mono at 8 kHz: eight silent samples (1 ms).
    samples = bytes(16)
    return (
        struct.pack("<4sI4s", b"RIFF", 36 + len(samples), b"WAVE")
        + struct.pack("<4sIHHIIHH", b"fmt ", 16, 1, 1, 8_000, 16_000, 2, 16)
        + struct.pack("<4sI", b"data", len(samples))
        + samples
    )


def _tiny_mp4() -> bytes:
    # An ISO BMFF `ftyp` box as ffmpeg writes it, then an empty `mdat`: enough for type sniffing.
    ftyp = struct.pack(">I4s4sI", 32, b"ftyp", b"isom", 0x200) + b"isomiso2avc1mp41"
    return ftyp + struct.pack(">I4s", 8, b"mdat")


TINY_PNG = _tiny_png()
TINY_MP3 = _tiny_mp3()
TINY_WAV = _tiny_wav()
TINY_MP4 = _tiny_mp4()

_PNG_B64 = base64.b64encode(TINY_PNG).decode()
# Safe Venice off and no violation: what a normal generation reports.
_IMAGE_FLAGS = {"x-venice-is-blurred": "false", "x-venice-is-content-violation": "false"}


# --- image -------------------------------------------------------------------------------


def image_generate() -> Reply:
    return Reply(
        json={
            "id": "generate-image-1787304600-8c1e2f",
            "images": [_PNG_B64],
            # Venice echoes the normalised request; a few fields are enough to be recognisable.
            "request": {
                "model": "qwen-image",
                "prompt": "a lighthouse on a cliff at dusk, oil painting",
                "width": 1024,
                "height": 1024,
                "steps": 8,
                "cfg_scale": 4.0,
                "seed": 184467,
                "format": "png",
                "safe_mode": False,
            },
            "timing": {
                "inferenceDuration": 3412.7,
                "inferencePreprocessingTime": 41.2,
                "inferenceQueueTime": 118.4,
                "total": 3589.6,
            },
        },
        headers=_IMAGE_FLAGS,
    )


def image_generate_binary() -> Reply:
    """What /image/generate sends with `return_binary: true`."""
    return Reply(body=TINY_PNG, content_type="image/png", headers=_IMAGE_FLAGS)


def simple_image_generate() -> Reply:
    return Reply(json={"created": 1787304600, "data": [{"b64_json": _PNG_B64}]}, headers=_IMAGE_FLAGS)


def image_styles() -> Reply:
    styles = ["3D Model", "Analog Film", "Anime", "Cinematic", "Comic Book", "Digital Art", "Photographic", "Pixel Art"]
    return Reply(json={"object": "list", "data": styles})


def image_bytes() -> Reply:
    """Upscale, background removal and multi-edit answer with the image itself."""
    return Reply(body=TINY_PNG, content_type="image/png")


def image_edit() -> Reply:
    return Reply(
        body=TINY_PNG,
        content_type="image/png",
        headers={
            "x-venice-is-content-violation": "false",
            "x-venice-model-id": "qwen-image-2-edit",
            "x-venice-model-name": "Qwen Image 2",
        },
    )


# --- audio -------------------------------------------------------------------------------


def speech() -> Reply:
    # mp3 is the default `response_format` of /audio/speech.
    return Reply(body=TINY_MP3, content_type="audio/mpeg")


_TRANSCRIPT = "Welcome back. Today we look at private inference."


def transcription() -> Reply:
    return Reply(
        json={
            "text": _TRANSCRIPT,
            "duration": 3.2,
            "timestamps": {
                "segment": [
                    {"text": "Welcome back.", "start": 0.0, "end": 0.9},
                    {"text": "Today we look at private inference.", "start": 1.1, "end": 3.2},
                ],
                "word": [
                    {"word": "Welcome", "start": 0.0, "end": 0.42},
                    {"word": "back.", "start": 0.42, "end": 0.9},
                ],
            },
        }
    )


def transcription_text() -> Reply:
    """What /audio/transcriptions sends with `response_format: text`."""
    return Reply(body=_TRANSCRIPT)


def cloned_voice() -> Reply:
    return Reply(json={"id": "vv_4f9c2a7e1b3d4c8f", "model": "tts-chatterbox-hd"})


def audio_queue() -> Reply:
    return Reply(
        json={"model": "elevenlabs-music", "queue_id": "8d3f6a1c-2b7e-4c59-9a0d-5e1f7b3c4a62", "status": "QUEUED"}
    )


def audio_quote() -> Reply:
    # elevenlabs-music's price for up to 60 s in the models listing.
    return Reply(json={"quote": 0.69})


def audio_retrieve() -> Reply:
    """A finished job: the audio itself."""
    return Reply(body=TINY_MP3, content_type="audio/mpeg")


def audio_retrieve_processing() -> Reply:
    return Reply(json={"status": "PROCESSING", "average_execution_time": 42000, "execution_duration": 12500})


def audio_complete() -> Reply:
    return Reply(json={"success": True})


# --- video -------------------------------------------------------------------------------


def video_queue() -> Reply:
    # No `download_url`: for most models the finished file comes from /video/retrieve itself.
    return Reply(json={"model": "kling-v3-pro-text-to-video", "queue_id": "0b6e9d2a-7c41-4f3e-8a15-c29d4e6f1a87"})


def video_quote() -> Reply:
    return Reply(json={"quote": 1.12})


def video_retrieve() -> Reply:
    """A finished job: the video itself."""
    return Reply(body=TINY_MP4, content_type="video/mp4")


def video_retrieve_processing() -> Reply:
    return Reply(json={"status": "PROCESSING", "average_execution_time": 145000, "execution_duration": 38000})


def video_complete() -> Reply:
    return Reply(json={"success": True})


_VIDEO_TRANSCRIPT = "In this video we build a small weather station from spare parts."


def video_transcription() -> Reply:
    return Reply(json={"transcript": _VIDEO_TRANSCRIPT, "lang": "en"})


def video_transcription_text() -> Reply:
    """What /video/transcriptions sends with `response_format: text`."""
    return Reply(body=_VIDEO_TRANSCRIPT)

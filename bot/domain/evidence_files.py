"""Evidence files made safe to pass on: nothing in them may point the police to the citizen.

A file sent "as a document" reaches the bot byte for byte: a photo's EXIF carries the GPS position
of the citizen's home, the phone's serial number, sometimes the owner's name; the file name itself
is often the citizen's name. Before such a file goes to a police unit:

- pictures (JPEG, PNG, WebP, GIF, TIFF, BMP, AVIF, HEIC when Pillow can open it) are re-encoded
  from their pixels only, after turning them upright by their EXIF orientation: EXIF (GPS, serials,
  author, embedded thumbnails), XMP, IPTC, comments, PNG text chunks and ICC profiles (which name
  the device) are not carried over; colours are converted to sRGB first so the picture looks the same;
- any other file keeps its bytes (we cannot clean a PDF or a Word file) under a neutral name;
- every name is `evidence-<n>.<ext>`, the extension chosen from a whitelist, never copied from
  what the citizen's phone called the file.

A picture that cannot be re-encoded (broken, too large to decode safely, or a format Pillow does
not read, such as HEIC without a plugin) is *withheld*, not sent as it is: its bytes are exactly the
ones that would carry the GPS position, and a picture the post cannot see is better than a citizen
the post can find. The caller tells the post that a file was held back, so officers can ask the
citizen for it again as a photo (Telegram's photos carry no EXIF).

Pure: bytes in, bytes out. No Telegram, no SQL.
"""

from __future__ import annotations

import io
import threading
import warnings
from dataclasses import dataclass

from PIL import Image, ImageCms, ImageSequence, UnidentifiedImageError

# Telegram lets bots download files of at most 20 MB: a bigger document cannot be cleaned, so the
# intake refuses it rather than pass it on unchecked.
MAX_DOCUMENT_BYTES = 20 * 1024 * 1024
# Pixels decoded at most (all frames together). 40 megapixels is 120 MB in memory as RGB; larger
# JPEGs (108-megapixel phone cameras) are decoded at half or a quarter of their size instead.
MAX_PIXELS = 40_000_000

# Formats Pillow may open here (others, e.g. EPS through Ghostscript, are never tried), and what
# each is written back as: formats most phones cannot show become PNG or JPEG.
_REENCODE_AS = {
    "JPEG": "JPEG",
    "MPO": "JPEG",  # a JPEG with extra pictures (MPF), each with its own EXIF: the first one only
    "PNG": "PNG",
    "WEBP": "WEBP",
    "GIF": "GIF",
    "TIFF": "PNG",
    "BMP": "PNG",
    "AVIF": "JPEG",
    "HEIF": "JPEG",  # only if a HEIF plugin (pillow-heif) is installed
}
_EXTENSION = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp", "GIF": "gif", "PDF": "pdf"}
_MIME = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp", "GIF": "image/gif", "PDF": "application/pdf"}

# Signatures of picture formats that carry EXIF/XMP: such a file is a picture whatever it claims to
# be, and is withheld if it cannot be re-encoded.
_PICTURE_SIGNATURES = (
    b"\xff\xd8\xff",  # JPEG
    b"\x89PNG\r\n\x1a\n",
    b"GIF87a",
    b"GIF89a",
    b"II*\x00",  # TIFF, and camera raw files built on it (CR2, NEF, ARW, DNG)
    b"MM\x00*",
    b"\xff\x0a",  # JPEG XL codestream
    b"\x00\x00\x00\x0cJXL ",  # JPEG XL container
)
_ISO_PICTURE_BRANDS = (b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1", b"avif", b"avis")

# Extensions a file that is not a picture may get, by its claimed MIME type or its name's ending.
# Picture extensions are never claimed: a re-encoded picture gets the one of its new format.
_DOCUMENT_TYPES = {
    "application/pdf": "pdf",
    "application/msword": "doc",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
    "application/vnd.ms-excel": "xls",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
    "application/vnd.ms-powerpoint": "ppt",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": "pptx",
    "application/vnd.oasis.opendocument.text": "odt",
    "application/vnd.oasis.opendocument.spreadsheet": "ods",
    "application/rtf": "rtf",
    "text/plain": "txt",
    "text/csv": "csv",
    "application/zip": "zip",
    "video/mp4": "mp4",
    "video/quicktime": "mov",
    "video/3gpp": "3gp",
    "video/webm": "webm",
    "video/x-matroska": "mkv",
    "audio/mpeg": "mp3",
    "audio/mp4": "m4a",
    "audio/x-m4a": "m4a",
    "audio/aac": "aac",
    "audio/ogg": "ogg",
    "audio/opus": "opus",
    "audio/wav": "wav",
    "audio/x-wav": "wav",
    "audio/amr": "amr",
    "audio/flac": "flac",
}
_MIME_OF_EXTENSION = {ext: mime for mime, ext in reversed(_DOCUMENT_TYPES.items())}
_FALLBACK_EXTENSION = "bin"
_FALLBACK_MIME = "application/octet-stream"

# One picture decoded at a time: bounds the memory a burst of large pictures can take on a small
# server, and keeps the warnings filter below from being changed by two threads at once.
_decoding = threading.Lock()


@dataclass(frozen=True)
class CleanFile:
    data: bytes
    name: str  # evidence-<n>.<ext>
    mime_type: str
    reencoded: bool  # a picture rebuilt from its pixels (False: bytes unchanged, name neutral)


@dataclass(frozen=True)
class Withheld:
    """A picture that could not be made safe: it must not be passed on."""

    reason: str  # "unreadable" (broken, or a picture format this server cannot decode) | "too_large"


def neutral_name(position: int, extension: str) -> str:
    return f"evidence-{position}.{extension}"


def claimed_extension(file_name: str | None, mime_type: str | None) -> str | None:
    """The whitelisted extension a file claims by its MIME type, else by its name's ending (the
    name itself is never used). None: nothing on the whitelist."""
    by_type = _DOCUMENT_TYPES.get((mime_type or "").split(";")[0].strip().lower())
    if by_type:
        return by_type
    if file_name and "." in file_name:
        ending = file_name.rsplit(".", 1)[1].strip().lower()
        if ending in _MIME_OF_EXTENSION:
            return ending
    return None


def cleanable_picture_type(mime_type: str | None) -> bool | None:
    """For a claimed picture type (image/...): whether this server can re-encode it. None: not a
    picture type (such a file is passed on under a neutral name)."""
    mime = (mime_type or "").split(";")[0].strip().lower()
    if not mime.startswith("image/"):
        return None
    formats = _openable_formats()
    readable = {Image.MIME[f] for f in formats if f in Image.MIME} | {"image/jpg", "image/pjpeg"}
    if "HEIF" in formats:
        readable |= {"image/heic", "image/heif"}
    return mime in readable


def clean(data: bytes, position: int, claimed_ext: str | None = None) -> CleanFile | Withheld:
    """Evidence file number `position` as it may be shown to the police (see the module's doc)."""
    picture = _reencode_picture(data)
    if isinstance(picture, tuple):
        output, fmt = picture
        return CleanFile(output, neutral_name(position, _EXTENSION[fmt]), _MIME[fmt], reencoded=True)
    if picture is not None:
        return picture
    # Not a picture: its bytes are passed on unchanged under a neutral name.
    ext = claimed_ext if claimed_ext in _MIME_OF_EXTENSION else _FALLBACK_EXTENSION  # never a picture's
    return CleanFile(data, neutral_name(position, ext), _MIME_OF_EXTENSION.get(ext, _FALLBACK_MIME), reencoded=False)


def looks_like_picture(data: bytes) -> bool:
    """A picture format that carries EXIF or XMP, by its first bytes (whatever the file claims)."""
    if data.startswith(_PICTURE_SIGNATURES) or (data[:4] == b"RIFF" and data[8:12] == b"WEBP"):
        return True
    return data[4:8] == b"ftyp" and data[8:12] in _ISO_PICTURE_BRANDS


# --- re-encoding ----------------------------------------------------------------------------------


def _openable_formats() -> list[str]:
    Image.init()
    return [f for f in _REENCODE_AS if f in Image.OPEN]


def _reencode_picture(data: bytes) -> tuple[bytes, str] | Withheld | None:
    """(clean bytes, output format) for a picture; Withheld if it is one but cannot be rebuilt;
    None if it is not a picture at all."""
    with _decoding:
        try:
            with warnings.catch_warnings():
                # Pillow warns above its own (higher) pixel limit; MAX_PIXELS below decides.
                warnings.simplefilter("ignore", Image.DecompressionBombWarning)
                source = Image.open(io.BytesIO(data), formats=_openable_formats())
        except Image.DecompressionBombError:
            return Withheld("too_large")
        except UnidentifiedImageError:
            return Withheld("unreadable") if looks_like_picture(data) else None
        except Exception:  # Pillow recognised the format but choked on its header: a broken picture
            return Withheld("unreadable")
        with source:
            if not _fits(source):
                return Withheld("too_large")
            fmt = _output_format(source)
            try:
                return _save(_upright_frames(source, fmt), fmt, source), fmt
            except (OSError, ValueError, SyntaxError, EOFError, IndexError):  # truncated or corrupt pixel data
                return Withheld("unreadable")


def _output_format(source: Image.Image) -> str:
    if source.format == "TIFF" and _frame_count(source) > 1:
        return "PDF"  # a scanned document of several pages: every page kept, in a file phones open
    return _REENCODE_AS[source.format or ""]


def _frame_count(source: Image.Image) -> int:
    """Frames that are kept: the pages of a TIFF, the frames of an animation (an MPO's extra
    pictures are dropped)."""
    return int(getattr(source, "n_frames", 1)) if source.format in ("GIF", "WEBP", "TIFF") else 1


def _fits(source: Image.Image) -> bool:
    """Whether the picture can be decoded within MAX_PIXELS; shrinks the decoding of a large JPEG
    (libjpeg decodes at 1/2, 1/4 or 1/8 scale, for a fraction of the memory and time)."""
    width, height = source.size
    if width * height * _frame_count(source) <= MAX_PIXELS:
        return True
    if source.format in ("JPEG", "MPO"):
        for scale in (2, 4, 8):
            if (width // scale) * (height // scale) <= MAX_PIXELS:
                source.draft(source.mode, (-(-width // scale), -(-height // scale)))
                return source.size[0] * source.size[1] <= MAX_PIXELS
    return False


def _upright_frames(source: Image.Image, fmt: str) -> list[Image.Image]:
    """The picture's frames (or pages) as new images holding pixels only, upright and in sRGB."""
    icc = source.info.get("icc_profile")
    transpose = _orientation_fix(source)
    frames = []
    for frame in ImageSequence.Iterator(source) if _frame_count(source) > 1 else [source]:
        frame.load()
        pixels = _to_srgb(_plain_mode(frame, fmt), icc)
        if transpose is not None:
            pixels = pixels.transpose(transpose)
        pixels.info = {}  # no EXIF, XMP, IPTC, comments, text chunks, ICC profile: only pixels go on
        frames.append(pixels)
    return frames


# EXIF orientation -> what turns the stored pixels upright (as in PIL.ImageOps.exif_transpose).
_TRANSPOSE = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}


def _orientation_fix(source: Image.Image) -> Image.Transpose | None:
    try:
        return _TRANSPOSE.get(source.getexif().get(0x0112))
    except Exception:  # unreadable EXIF: it is dropped anyway, and the picture stays as stored
        return None


def _plain_mode(frame: Image.Image, fmt: str) -> Image.Image:
    """A copy in a mode the output format writes: RGB(A) or greyscale; palettes and 16 bits expanded."""
    alpha = frame.mode in ("RGBA", "LA", "PA", "RGBa", "La") or (frame.mode == "P" and "transparency" in frame.info)
    grey = frame.mode in ("1", "L", "LA", "La", "I", "I;16", "I;16B", "I;16L", "I;16N", "F")
    if fmt in ("JPEG", "PDF"):
        mode = "L" if grey else "RGB"
    elif fmt == "GIF":
        mode = "RGBA" if alpha else "RGB"
    else:
        mode = ("LA" if alpha else "L") if grey else ("RGBA" if alpha else "RGB")
    if frame.mode.startswith("I;16") or frame.mode in ("I", "F"):
        frame = frame.convert("I").point(lambda v: v * (1 / 256)).convert("L")  # 16 bits to 8
    return frame.convert(mode)


def _to_srgb(pixels: Image.Image, icc: bytes | None) -> Image.Image:
    """Colours as the ICC profile meant them, in sRGB (the profile itself is not passed on)."""
    if not icc or pixels.mode not in ("RGB", "RGBA"):
        return pixels
    try:
        profile = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        converted = ImageCms.profileToProfile(pixels, profile, ImageCms.createProfile("sRGB"), outputMode=pixels.mode)
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
        return pixels  # a broken profile: the colours as stored
    return converted if converted is not None else pixels


def _save(frames: list[Image.Image], fmt: str, source: Image.Image) -> bytes:
    out = io.BytesIO()
    first, rest = frames[0], frames[1:]
    if fmt == "JPEG":
        first.save(out, "JPEG", quality=95)
    elif fmt == "PNG":
        first.save(out, "PNG")
    elif fmt == "PDF":
        first.save(out, "PDF", save_all=True, append_images=rest, resolution=150.0)
    else:  # GIF, WEBP: animated ones keep their frames and timing (part of the picture, not metadata)
        options: dict[str, object] = {"quality": 95} if fmt == "WEBP" else {}
        if rest:
            durations = [int(f.info.get("duration") or 100) for f in ImageSequence.Iterator(source)]
            options.update(save_all=True, append_images=rest, duration=durations, loop=int(source.info.get("loop", 0)))
        first.save(out, fmt, **options)
    return out.getvalue()

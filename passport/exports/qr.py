"""QR codes for links (an invite, later a share link), as image data URIs an <img> can show.

A data URI keeps the markup free of inline SVG that would need marking safe. PNG, because every phone's
camera app and every decoder reads it, and at this size it is under 2 KB.
"""

from __future__ import annotations

import base64
import io

from qrcode import QRCode
from qrcode.constants import ERROR_CORRECT_M

# A QR holds at most this many characters of a URL at error correction M (version 40 holds ~2,331);
# anything longer is refused with a clear message rather than a failed render.
MAX_QR_TEXT = 1200


class QRTooLong(ValueError):
    pass


def qr_png_bytes(text: str, *, scale: int = 8) -> bytes:
    if len(text) > MAX_QR_TEXT:
        raise QRTooLong(len(text))
    code = QRCode(error_correction=ERROR_CORRECT_M, box_size=scale, border=4)
    code.add_data(text)
    code.make(fit=True)
    out = io.BytesIO()
    code.make_image(fill_color="black", back_color="white").save(out, kind="PNG")
    return out.getvalue()


def qr_data_uri(text: str, *, scale: int = 6) -> str:
    return "data:image/png;base64," + base64.b64encode(qr_png_bytes(text, scale=scale)).decode()

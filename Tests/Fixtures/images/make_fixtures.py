"""Makes the image fixtures of DatasetsTests (ImageCodecTests, ImageResizeTests) with Pillow.

Run: /path/to/python-with-Pillow Tests/Fixtures/images/make_fixtures.py   (from the repository root)
Writes Tests/Fixtures/images/: rgb-8x6.jpg, grey-5x7.jpg, progressive-9x4.jpg, cmyk-4x4.jpg, five PNG variants and
expected.json.

Test images are made from a formula the Swift tests repeat: value(x, y, c) = (x*37 + y*91 + c*53 + x*y*7) % 256,
for channel c of pixel (x, y) (c = 0 for grey). expected.json holds, for each case, Pillow's output pixels
channel-major (all of R, then G, then B), as robust stores them.
"""
import json
import os
import sys

import PIL
from PIL import Image, features

HERE = os.path.dirname(os.path.abspath(__file__))


def value(x, y, c):
    return (x * 37 + y * 91 + c * 53 + x * y * 7) % 256


def make(mode, width, height):
    image = Image.new(mode, (width, height))
    bands = len(mode)  # "L" or "RGB"
    for y in range(height):
        for x in range(width):
            pixel = tuple(value(x, y, c) for c in range(bands))
            image.putpixel((x, y), pixel if bands > 1 else pixel[0])
    return image


def planar(image):
    width, height = image.size
    bands = image.getbands()
    out = []
    for band in range(len(bands)):
        channel = image.getchannel(band)
        out.extend(channel.getpixel((x, y)) for y in range(height) for x in range(width))
    return out


def main():
    expected = {
        "pillow": PIL.__version__,
        "libjpeg_turbo": features.version("libjpeg_turbo"),
        "formula": "(x*37 + y*91 + c*53 + x*y*7) % 256",
        "resize": [],
        "jpeg": {},
    }
    # Bilinear resizes: (mode, in W, in H, out W, out H)
    for mode, w, h, ow, oh in [("L", 7, 5, 3, 2), ("L", 7, 5, 11, 9), ("L", 28, 28, 14, 14), ("L", 10, 10, 7, 3),
                               ("L", 6, 4, 6, 9), ("L", 9, 4, 5, 4), ("RGB", 8, 6, 5, 3), ("RGB", 5, 4, 9, 7),
                               ("L", 40, 3, 6, 1), ("L", 1, 1, 3, 2),
                               # Pillow 13 runs the vertical pass first when the height shrinks by more than
                               # twice as many pixels as the width: these pin both sides of that choice.
                               ("L", 12, 30, 20, 8), ("RGB", 9, 20, 6, 5), ("L", 13, 17, 11, 13), ("L", 13, 18, 11, 13)]:
        source = make(mode, w, h)
        result = source.resize((ow, oh), Image.BILINEAR)
        expected["resize"].append({"mode": mode, "in": [w, h], "out": [ow, oh], "pixels": planar(result)})
    # RGB -> L and L -> RGB on a sweep of colours.
    sweep = Image.new("RGB", (256, 3))
    for x in range(256):
        sweep.putpixel((x, 0), (x, (x * 7) % 256, (x * 13 + 5) % 256))
        sweep.putpixel((x, 1), (x, x, x))
        sweep.putpixel((x, 2), ((255 - x), (x * 3) % 256, 128))
    expected["rgb_to_l"] = {"in": planar(sweep), "width": 256, "height": 3, "out": planar(sweep.convert("L"))}
    expected["convert_then_resize"] = {
        "in": [8, 6], "out": [5, 3],
        "pixels": planar(make("RGB", 8, 6).convert("L").resize((5, 3), Image.BILINEAR)),
    }
    # JPEG fixtures and what Pillow decodes from them.
    for name, mode, w, h, options in [("rgb-8x6.jpg", "RGB", 8, 6, {"quality": 90}),
                                      ("grey-5x7.jpg", "L", 5, 7, {"quality": 85}),
                                      ("progressive-9x4.jpg", "RGB", 9, 4, {"quality": 80, "progressive": True})]:
        path = os.path.join(HERE, name)
        make(mode, w, h).save(path, "JPEG", **options)
        with Image.open(path) as decoded:
            decoded.load()
            expected["jpeg"][name] = {"mode": decoded.mode, "size": list(decoded.size), "pixels": planar(decoded)}
    # A CMYK JPEG, which robust refuses (no expected pixels).
    Image.new("CMYK", (4, 4), (10, 200, 30, 40)).save(os.path.join(HERE, "cmyk-4x4.jpg"), "JPEG", quality=90)
    # PNG variants robust decodes to grey or RGB: alpha dropped, palette expanded, 16-bit by the high byte.
    expected["png"] = {}
    rgba = make("RGB", 4, 3)
    rgba.putalpha(make("L", 4, 3).point(lambda v: 255 - v))
    la = make("L", 3, 2)
    la.putalpha(make("L", 3, 2).point(lambda v: v // 2))
    palette = make("RGB", 5, 2).quantize(colors=4)
    palette.info["transparency"] = 1
    bilevel = make("L", 8, 2).point(lambda v: 255 if v > 127 else 0).convert("1")
    grey16 = Image.new("I;16", (3, 3))
    for y in range(3):
        for x in range(3):
            grey16.putpixel((x, y), (x * 20011 + y * 7919) % 65536)
    for name, image, canonical in [("rgba-4x3.png", rgba, lambda i: planar(i.convert("RGB"))),
                                   ("la-3x2.png", la, lambda i: planar(i.convert("L"))),
                                   ("palette-5x2.png", palette, lambda i: planar(i.convert("RGB"))),
                                   ("bilevel-8x2.png", bilevel, lambda i: planar(i.convert("L"))),
                                   # Pillow's I;16 -> L clips; robust keeps the high byte, so compute that here.
                                   ("grey16-3x3.png", grey16,
                                    lambda i: [i.getpixel((x, y)) >> 8 for y in range(3) for x in range(3)])]:
        path = os.path.join(HERE, name)
        image.save(path, "PNG", **({"transparency": 1} if name.startswith("palette") else {}))
        with Image.open(path) as decoded:
            decoded.load()
            expected["png"][name] = {"mode": decoded.mode, "size": list(decoded.size), "pixels": canonical(decoded),
                                     "channels": 1 if decoded.mode in ("L", "LA", "1", "I;16") else 3}
    with open(os.path.join(HERE, "expected.json"), "w") as f:
        json.dump(expected, f, sort_keys=True)
        f.write("\n")
    print("wrote", HERE, file=sys.stderr)


if __name__ == "__main__":
    main()

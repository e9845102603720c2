// CImageCodecs: a small C layer over Debian's libpng (1.6), libjpeg-turbo and zlib for the Datasets module —
// decoding PNG and JPEG to 8-bit grey or RGB, encoding PNG, and inflating gzip (IDX files).
//
// Why C and not Swift calling the libraries directly: libjpeg (and libpng's full API) report errors by
// longjmp-ing out of a callback, and libjpeg's default handler calls exit(). Swift cannot setjmp, so every
// call into those libraries happens here, behind a setjmp, and every function returns 0 on success or -1
// with a one-line, NUL-terminated message in `error` (at most `error_size` bytes, never a newline).
//
// Limits, checked from the header BEFORE any pixel buffer is allocated: each side ≤ ROBUST_IMAGE_MAX_SIDE,
// width × height ≤ ROBUST_IMAGE_MAX_PIXELS. Output buffers are malloc'd here and released with robust_free.
#ifndef ROBUST_CIMAGECODECS_H
#define ROBUST_CIMAGECODECS_H

#include <stddef.h>
#include <stdint.h>

#define ROBUST_IMAGE_MAX_SIDE 16384
/// 2^27 = 134,217,728 pixels (a 16,384² image is 2^28): a little below Pillow's decompression-bomb error
/// (178,956,970), and ample for photos (a 48-megapixel camera image is 4.8 × 10^7).
#define ROBUST_IMAGE_MAX_PIXELS (1 << 27)
/// Progressive JPEG scans beyond this are refused (a tiny file with thousands of scans costs minutes of CPU).
#define ROBUST_JPEG_MAX_SCANS 500

/// A decoded image: `width` × `height` pixels, `channels` (1 grey, 3 RGB) interleaved bytes per pixel,
/// rows top to bottom, no padding. `pixels` is malloc'd (free with robust_free).
typedef struct {
    uint8_t *pixels;
    int32_t width;
    int32_t height;
    int32_t channels;
} robust_decoded_image;

/// Decodes a PNG of any colour type and bit depth to 8-bit grey (grey, grey+alpha) or RGB (RGB, RGBA,
/// palette): alpha is dropped without compositing, 16-bit samples keep their high byte, 1/2/4-bit grey is
/// scaled to 0…255, gamma and colour profiles are ignored (as PIL does). Interlaced files are supported.
/// Any libpng error (bad signature, CRC error in a critical chunk, truncated data) fails the call.
int robust_png_decode(const uint8_t *data, size_t size, robust_decoded_image *out, char *error, size_t error_size);

/// Decodes a baseline or progressive JPEG to 8-bit grey (1 component) or RGB (YCbCr or RGB, 3 components)
/// with libjpeg's defaults (islow DCT, fancy upsampling — as PIL). CMYK/YCCK files are refused. Corrupt-data
/// warnings (truncated file, bad Huffman code, premature end of a segment, …) fail the call; only benign
/// ones (extraneous bytes between markers, unknown JFIF revision or Adobe transform) are tolerated.
int robust_jpeg_decode(const uint8_t *data, size_t size, robust_decoded_image *out, char *error, size_t error_size);

/// Encodes 8-bit grey (channels 1) or RGB (channels 3) interleaved pixels as a PNG (libpng's simplified
/// API; no timestamp, so the same pixels give the same bytes). `*png` is malloc'd (free with robust_free).
int robust_png_encode(const uint8_t *pixels, int32_t width, int32_t height, int32_t channels,
                      uint8_t **png, size_t *png_size, char *error, size_t error_size);

/// Inflates gzip data (one or more concatenated members) into a malloc'd buffer (free with robust_free);
/// fails when the output would exceed `max_output` bytes, on corrupt or truncated data, or on bytes after
/// the last member that do not start another member.
int robust_gunzip(const uint8_t *data, size_t size, size_t max_output, uint8_t **output, size_t *output_size,
                  char *error, size_t error_size);

void robust_free(void *pointer);

#endif

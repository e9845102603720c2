// PNG decoding (libpng's full API behind a setjmp, for exact control of the transformations: no gamma,
// alpha dropped, 16-bit to 8-bit by the high byte) and encoding (libpng's simplified API, which never exits).
#include "CImageCodecs.h"
#include "common.h"

#include <png.h>
#include <setjmp.h>
#include <stdlib.h>

typedef struct {
    const uint8_t *data;
    size_t size;
    size_t offset;
} png_source;

typedef struct {
    char *error;
    size_t error_size;
} png_messages;

static void read_from_memory(png_structp png, png_bytep destination, png_size_t length) {
    png_source *source = (png_source *)png_get_io_ptr(png);
    if (source == NULL || length > source->size - source->offset) {
        png_error(png, "truncated file (the data ends inside a chunk)");
        return;
    }
    memcpy(destination, source->data + source->offset, length);
    source->offset += length;
}

static void on_error(png_structp png, png_const_charp message) {
    png_messages *messages = (png_messages *)png_get_error_ptr(png);
    if (messages != NULL) robust_set_error(messages->error, messages->error_size, "%s", message);
    png_longjmp(png, 1);
}

static void on_warning(png_structp png, png_const_charp message) {
    (void)png;
    (void)message;  // Ancillary-chunk problems (bad CRC in a text chunk, unknown profile): ignored, like PIL.
}

int robust_png_decode(const uint8_t *data, size_t size, robust_decoded_image *out, char *error, size_t error_size) {
    if (out == NULL || data == NULL) {
        robust_set_error(error, error_size, "no data");
        return -1;
    }
    out->pixels = NULL;
    out->width = out->height = out->channels = 0;
    if (size < 8 || png_sig_cmp((png_const_bytep)data, 0, 8) != 0) {
        robust_set_error(error, error_size, "not a PNG file (bad signature)");
        return -1;
    }
    robust_set_error(error, error_size, "invalid PNG");
    png_messages messages = {error, error_size};
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &messages, on_error, on_warning);
    if (png == NULL) {
        robust_set_error(error, error_size, "out of memory");
        return -1;
    }
    png_infop info = png_create_info_struct(png);
    if (info == NULL) {
        png_destroy_read_struct(&png, NULL, NULL);
        robust_set_error(error, error_size, "out of memory");
        return -1;
    }
    // Volatile: modified after setjmp and read after a longjmp.
    uint8_t *volatile pixels = NULL;
    png_bytep *volatile rows = NULL;
    png_source source = {data, size, 0};
    if (setjmp(png_jmpbuf(png))) {
        free(rows);
        free(pixels);
        png_destroy_read_struct(&png, &info, NULL);
        return -1;
    }
    png_set_user_limits(png, ROBUST_IMAGE_MAX_SIDE, ROBUST_IMAGE_MAX_SIDE);
    png_set_chunk_cache_max(png, 256);
    png_set_chunk_malloc_max(png, 8 << 20);
    png_set_keep_unknown_chunks(png, PNG_HANDLE_CHUNK_NEVER, NULL, 0);
    png_set_read_fn(png, &source, read_from_memory);
    png_read_info(png, info);

    png_uint_32 width = 0, height = 0;
    int bit_depth = 0, color_type = 0, interlace = 0;
    png_get_IHDR(png, info, &width, &height, &bit_depth, &color_type, &interlace, NULL, NULL);
    if (!robust_size_allowed(width, height)) {
        robust_set_error(error, error_size, "%lux%lu pixels is over the limit (%d per side, %d pixels)",
                         (unsigned long)width, (unsigned long)height, ROBUST_IMAGE_MAX_SIDE, ROBUST_IMAGE_MAX_PIXELS);
        png_destroy_read_struct(&png, &info, NULL);
        return -1;
    }
    if (color_type == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(png);
    if (color_type == PNG_COLOR_TYPE_GRAY && bit_depth < 8) png_set_expand_gray_1_2_4_to_8(png);
    if (bit_depth == 16) png_set_strip_16(png);
    png_set_strip_alpha(png);
    png_set_interlace_handling(png);
    png_read_update_info(png, info);

    int channels = png_get_channels(png, info);
    size_t row_bytes = png_get_rowbytes(png, info);
    if ((channels != 1 && channels != 3) || png_get_bit_depth(png, info) != 8
        || row_bytes != (size_t)width * (size_t)channels) {
        robust_set_error(error, error_size, "unsupported PNG layout (colour type %d, bit depth %d)", color_type, bit_depth);
        png_destroy_read_struct(&png, &info, NULL);
        return -1;
    }
    pixels = (uint8_t *)malloc(row_bytes * height);
    rows = (png_bytep *)malloc(sizeof(png_bytep) * height);
    if (pixels == NULL || rows == NULL) {
        free(rows);
        free(pixels);
        png_destroy_read_struct(&png, &info, NULL);
        robust_set_error(error, error_size, "out of memory for %lux%lu pixels", (unsigned long)width, (unsigned long)height);
        return -1;
    }
    for (png_uint_32 y = 0; y < height; y++) rows[y] = pixels + (size_t)y * row_bytes;
    png_read_image(png, rows);
    png_read_end(png, NULL);  // checks the CRCs of the chunks after the image data (IEND)
    free(rows);
    png_destroy_read_struct(&png, &info, NULL);
    out->pixels = pixels;
    out->width = (int32_t)width;
    out->height = (int32_t)height;
    out->channels = channels;
    if (error != NULL && error_size > 0) error[0] = 0;
    return 0;
}

int robust_png_encode(const uint8_t *pixels, int32_t width, int32_t height, int32_t channels,
                      uint8_t **png, size_t *png_size, char *error, size_t error_size) {
    if (png == NULL || png_size == NULL || pixels == NULL) {
        robust_set_error(error, error_size, "no pixels");
        return -1;
    }
    *png = NULL;
    *png_size = 0;
    if (channels != 1 && channels != 3) {
        robust_set_error(error, error_size, "PNG encoding takes 1 (grey) or 3 (RGB) channels, not %d", channels);
        return -1;
    }
    if (width < 1 || height < 1 || !robust_size_allowed((unsigned long)width, (unsigned long)height)) {
        robust_set_error(error, error_size, "%dx%d pixels cannot be encoded (1 to %d per side, at most %d pixels)",
                         width, height, ROBUST_IMAGE_MAX_SIDE, ROBUST_IMAGE_MAX_PIXELS);
        return -1;
    }
    png_image image;
    memset(&image, 0, sizeof image);
    image.version = PNG_IMAGE_VERSION;
    image.width = (png_uint_32)width;
    image.height = (png_uint_32)height;
    image.format = channels == 1 ? PNG_FORMAT_GRAY : PNG_FORMAT_RGB;
    png_int_32 stride = (png_int_32)(width * channels);
    png_alloc_size_t size = 0;
    // First call: the size needed.
    if (!png_image_write_to_memory(&image, NULL, &size, 0, pixels, stride, NULL)) {
        robust_set_error(error, error_size, "%s", image.message);
        png_image_free(&image);
        return -1;
    }
    uint8_t *buffer = (uint8_t *)malloc(size > 0 ? size : 1);
    if (buffer == NULL) {
        robust_set_error(error, error_size, "out of memory");
        return -1;
    }
    if (!png_image_write_to_memory(&image, buffer, &size, 0, pixels, stride, NULL)) {
        robust_set_error(error, error_size, "%s", image.message);
        png_image_free(&image);
        free(buffer);
        return -1;
    }
    *png = buffer;
    *png_size = size;
    if (error != NULL && error_size > 0) error[0] = 0;
    return 0;
}

void robust_free(void *pointer) { free(pointer); }
